package org.vmrole.api.hostlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.vmrole.model.host.HostRequest;

class HostRequestsTest {
    private final HostRequests requests = new HostRequests(Duration.ofSeconds(30));

    /** A host that answers every console question it gets with a text naming the instance. */
    private CompletableFuture<Void> hostAnswering(String host) {
        return requests.next(host, Duration.ofSeconds(30)).thenAccept(list -> list.forEach(r ->
                requests.answer(host, r.id(), "console of " + r.instanceKey() + " (" + r.maxBytes() + " bytes at most)")));
    }

    @Test
    void a_question_reaches_the_host_waiting_for_it_and_its_answer_comes_back() {
        hostAnswering("host-b");

        assertThat(requests.tail("host-b", "d1/WebVM_IN_0", 4096)).contains("console of d1/WebVM_IN_0 (4096 bytes at most)");
    }

    @Test
    void a_question_asked_before_the_host_polls_is_waiting_for_it() throws Exception {
        CompletableFuture<Optional<String>> asked = CompletableFuture.supplyAsync(() -> requests.tail("host-b", "d1/WebVM_IN_1", 10));
        List<HostRequest> got = List.of();
        while (got.isEmpty()) got = requests.next("host-b", Duration.ofSeconds(5)).get();

        requests.answer("host-b", got.get(0).id(), "late but here");

        assertThat(asked.get()).contains("late but here");
    }

    @Test
    void the_size_asked_is_bounded_by_what_a_host_may_send() throws Exception {
        CompletableFuture<Optional<String>> asked = CompletableFuture.supplyAsync(() -> requests.tail("host-b", "d1/WebVM_IN_0", Integer.MAX_VALUE));
        HostRequest r = requests.next("host-b", Duration.ofSeconds(30)).get().get(0);
        requests.answer("host-b", r.id(), "x");

        assertThat(r.maxBytes()).isEqualTo(HostRequest.MAX_ANSWER_BYTES);
        assertThat(asked.get()).contains("x");
    }

    @Test
    void another_host_cannot_answer_a_question_put_to_this_one() throws Exception {
        HostRequests quick = new HostRequests(Duration.ofMillis(300));
        CompletableFuture<Optional<String>> asked = CompletableFuture.supplyAsync(() -> quick.tail("host-b", "d1/WebVM_IN_0", 10));
        HostRequest r = quick.next("host-b", Duration.ofSeconds(30)).get().get(0);

        assertThat(quick.answer("host-c", r.id(), "forged")).isFalse();
        assertThat(asked.get()).isEmpty();
    }

    @Test
    void a_host_that_does_not_answer_leaves_the_question_unanswered_after_the_timeout() {
        HostRequests quick = new HostRequests(Duration.ofMillis(200));

        assertThat(quick.tail("host-silent", "d1/WebVM_IN_0", 10)).isEmpty();
    }

    @Test
    void a_poll_with_nothing_asked_ends_empty_after_its_wait() throws Exception {
        assertThat(requests.next("host-b", Duration.ofMillis(100)).get()).isEmpty();
    }

    @Test
    void a_question_arriving_after_a_poll_was_abandoned_waits_for_the_next_poll() throws Exception {
        CompletableFuture<List<HostRequest>> abandoned = requests.next("host-b", Duration.ofSeconds(30));
        abandoned.cancel(false);
        CompletableFuture<Optional<String>> asked = CompletableFuture.supplyAsync(() -> requests.tail("host-b", "d1/WebVM_IN_0", 10));

        List<HostRequest> got = List.of();
        while (got.isEmpty()) got = requests.next("host-b", Duration.ofSeconds(5)).get();
        requests.answer("host-b", got.get(0).id(), "taken by the live poll");

        assertThat(asked.get()).contains("taken by the live poll");
    }
}
