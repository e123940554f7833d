package org.vmrole.lb;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Planned changes under live traffic: a drain-and-remove and a VIP swap must not fail a single request. */
class SteadyStreamTest {

    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = 400;
    private static final ProbeSpec PROBE = ProbeSpec.http("/health").withInterval(Duration.ofMillis(100)).withTimeout(Duration.ofMillis(500));

    @Test
    void a_drain_and_remove_then_a_swap_complete_under_a_steady_stream_with_zero_failed_requests() throws Exception {
        try (LoadBalancer lb = LoadBalancer.start(2);
             HttpBackend p1 = new HttpBackend("p1"); HttpBackend p2 = new HttpBackend("p2"); HttpBackend p3 = new HttpBackend("p3");
             HttpBackend s1 = new HttpBackend("s1"); HttpBackend s2 = new HttpBackend("s2");
             ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            BackendPool production = lb.newPool("d1/http", PROBE);
            BackendPool staging = lb.newPool("d2/http", PROBE);
            production.setBackends(List.of(p1.ready(), p2.ready(), p3.ready()));
            staging.setBackends(List.of(s1.ready(), s2.ready()));
            ServiceSlots slots = new ServiceSlots("contoso");
            slots.place(Slot.PRODUCTION, Map.of("http", production));
            slots.place(Slot.STAGING, Map.of("http", staging));
            InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0).withForwardedFor(true), slots.route(Slot.PRODUCTION, "http"));
            await().atMost(Duration.ofSeconds(10)).until(() -> production.inRotation().size() == 3 && staging.inRotation().size() == 2);

            AtomicInteger completed = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            Set<String> servedBy = ConcurrentHashMap.newKeySet();
            List<Future<?>> running = new CopyOnWriteArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                        try {
                            HttpClientSocket.Reply reply = HttpClientSocket.get(endpoint.port(), "/");
                            if (reply.status() != 200) {
                                failures.add("status " + reply.status());
                            }
                            servedBy.add(reply.body());
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                        completed.incrementAndGet();
                    }
                }));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> completed.get() >= 100);
            Drained drained = production.drain("p1", Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            production.setBackends(List.of(p2.ready(), p3.ready()));
            assertThat(production.inRotation()).containsExactly("p2", "p3");
            p1.close();

            int beforeSwap = completed.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> completed.get() >= beforeSwap + 100);
            int stagingHitsBeforeSwap = s1.hits.get() + s2.hits.get();
            slots.swap();
            int atSwap = completed.get();

            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }

            assertThat(failures).as("failed requests").isEmpty();
            assertThat(completed.get()).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
            assertThat(atSwap).as("the swap happened mid-stream").isLessThan(CLIENTS * REQUESTS_PER_CLIENT);
            assertThat(drained.closedAtDeadline()).isZero();
            assertThat(stagingHitsBeforeSwap).isZero();
            assertThat(servedBy).contains("p1", "p2", "p3", "s1", "s2");
            assertThat(endpoint.metrics().connectionsAccepted()).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
        }
    }
}
