package org.vmrole.host.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.host.link.ControllerClient.CannotAct.Reason;
import org.vmrole.host.link.ControllerSilence.Answer;

class ControllerSilenceTest {
    private static final URI A = URI.create("http://10.0.0.1:8080");
    private static final URI B = URI.create("http://10.0.0.2:8080");
    private static final Duration FENCE_AFTER = Duration.ofSeconds(3);

    @Test
    void a_host_that_only_heard_heartbeats_fences_a_fence_period_after_the_last_one() {
        assertThat(ControllerSilence.fenceAtMillis(1_000, FENCE_AFTER, Map.of(), List.of(A, B))).isEqualTo(4_000);
    }

    @Test
    void a_controller_found_not_running_cannot_judge_the_host_before_half_its_startup_grace() {
        assertThat(ControllerSilence.fenceAtMillis(1_000, FENCE_AFTER, Map.of(A, new Answer(Reason.NOT_RUNNING, 5_000)), List.of(A)))
                .isEqualTo(20_000);
    }

    @Test
    void a_replica_without_its_store_keeps_the_host_safe_only_as_long_as_a_heartbeat_would() {
        assertThat(ControllerSilence.fenceAtMillis(1_000, FENCE_AFTER, Map.of(A, new Answer(Reason.NO_STORE, 5_000)), List.of(A)))
                .isEqualTo(8_000);
    }

    @Test
    void every_replica_must_have_answered_and_the_earliest_limit_counts() {
        assertThat(ControllerSilence.fenceAtMillis(1_000, FENCE_AFTER, Map.of(A, new Answer(Reason.NOT_RUNNING, 5_000)), List.of(A, B)))
                .as("B did not answer: it may lead beyond a partition").isEqualTo(4_000);
        assertThat(ControllerSilence.fenceAtMillis(1_000, FENCE_AFTER,
                Map.of(A, new Answer(Reason.NOT_RUNNING, 5_000), B, new Answer(Reason.NO_STORE, 6_000)), List.of(A, B))).isEqualTo(9_000);
    }

    @Test
    void an_answer_older_than_the_last_heartbeat_changes_nothing() {
        assertThat(ControllerSilence.fenceAtMillis(9_000, FENCE_AFTER, Map.of(A, new Answer(Reason.NO_STORE, 5_000)), List.of(A))).isEqualTo(12_000);
    }
}
