package org.vmrole.lb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
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

/** Planned changes under live traffic: drains, removals and a VIP swap must not fail a single request. */
class SteadyStreamTest {

    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = 400;
    private static final int TOTAL = CLIENTS * REQUESTS_PER_CLIENT;
    private static final ProbeSpec PROBE = ProbeSpec.http("/health").withInterval(Duration.ofMillis(100)).withTimeout(Duration.ofMillis(500));

    private LoadBalancer lb;
    private final List<HttpBackend> backends = new ArrayList<>();
    private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    private HttpBackend p1, p2, p3, s1, s2;
    private BackendPool production, staging;
    private ServiceSlots slots;
    private InputEndpoint endpoint;

    private final AtomicInteger completed = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Set<String> servedBy = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void deployTwoSlots() throws IOException {
        lb = LoadBalancer.start(2);
        p1 = backend("p1");
        p2 = backend("p2");
        p3 = backend("p3");
        s1 = backend("s1");
        s2 = backend("s2");
        production = lb.newPool("d1/http", PROBE);
        staging = lb.newPool("d2/http", PROBE);
        production.setBackends(List.of(p1.ready(), p2.ready(), p3.ready()));
        staging.setBackends(List.of(s1.ready(), s2.ready()));
        slots = new ServiceSlots("contoso");
        slots.place(Slot.PRODUCTION, Map.of("http", production));
        slots.place(Slot.STAGING, Map.of("http", staging));
        endpoint = lb.listen(EndpointSpec.http("http", 0).withForwardedFor(true), slots.route(Slot.PRODUCTION, "http"));
        await().atMost(Duration.ofSeconds(10)).until(() -> production.inRotation().size() == 3 && staging.inRotation().size() == 2);
    }

    @AfterEach
    void tearDown() {
        clients.shutdownNow();
        lb.close();
        backends.forEach(HttpBackend::close);
    }

    private HttpBackend backend(String id) throws IOException {
        HttpBackend b = new HttpBackend(id);
        backends.add(b);
        return b;
    }

    @Test
    void a_drain_and_remove_then_a_swap_fail_no_request_of_clients_that_connect_per_request() throws Exception {
        List<Future<?>> running = startClients(this::connectionPerRequest);

        awaitCompleted(100);
        Drained drained = production.drain("p1", Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        production.setBackends(List.of(p2.ready(), p3.ready()));
        assertThat(production.inRotation()).containsExactly("p2", "p3");
        p1.close();

        awaitCompleted(completed.get() + 100);
        int stagingHitsBeforeSwap = s1.hits.get() + s2.hits.get();
        slots.swap();
        int atSwap = completed.get();
        finish(running);

        assertThat(failures).as("failed requests").isEmpty();
        assertThat(atSwap).as("the swap happened mid-stream").isLessThan(TOTAL);
        assertThat(drained.closedAtDeadline()).isZero();
        assertThat(stagingHitsBeforeSwap).isZero();
        assertThat(servedBy).contains("p1", "p2", "p3", "s1", "s2");
        assertThat(endpoint.metrics().connectionsAccepted()).isEqualTo(TOTAL);
    }

    @Test
    void keep_alive_clients_leave_a_draining_backend_and_a_swapped_out_deployment_without_a_failed_request() throws Exception {
        List<Future<?>> running = startClients(this::keepAlive);

        awaitCompleted(100);
        Drained drained = production.drain("p1", Duration.ofSeconds(20)).get(25, TimeUnit.SECONDS);
        production.setBackends(List.of(p2.ready(), p3.ready()));
        p1.close();

        awaitCompleted(completed.get() + 100);
        slots.swap();
        // Open keep-alive connections stay on the old deployment until it is drained, as before deleting it.
        Drained p2Drained = production.drain("p2", Duration.ofSeconds(20)).get(25, TimeUnit.SECONDS);
        Drained p3Drained = production.drain("p3", Duration.ofSeconds(20)).get(25, TimeUnit.SECONDS);
        int afterOldDeploymentDrained = completed.get();
        finish(running);

        assertThat(failures).as("failed requests").isEmpty();
        assertThat(afterOldDeploymentDrained).as("drains happened mid-stream").isLessThan(TOTAL);
        assertThat(List.of(drained, p2Drained, p3Drained)).extracting(Drained::closedAtDeadline).containsOnly(0);
        assertThat(servedBy).contains("p1", "p2", "p3", "s1", "s2");
        assertThat(endpoint.metrics().connectionsAccepted()).isLessThan(TOTAL / 10);
    }

    private List<Future<?>> startClients(Runnable client) {
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            running.add(clients.submit(client));
        }
        return running;
    }

    private void connectionPerRequest() {
        for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
            try {
                record(HttpClientSocket.get(endpoint.port(), "/"));
            } catch (IOException e) {
                failures.add(e.toString());
            }
            completed.incrementAndGet();
        }
    }

    /** A strict keep-alive client: it opens a new connection only when the server said it would close. */
    private void keepAlive() {
        HttpClientSocket connection = null;
        try {
            for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                if (connection == null) {
                    connection = new HttpClientSocket(endpoint.port());
                }
                connection.send("GET / HTTP/1.1\r\nHost: lb\r\n\r\n");
                HttpClientSocket.Reply reply = connection.reply();
                record(reply);
                completed.incrementAndGet();
                if (reply.closing()) {
                    connection.close();
                    connection = null;
                }
            }
        } catch (IOException e) {
            failures.add(e.toString());
            completed.set(TOTAL);
        } finally {
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // closing a socket we are done with
                }
            }
        }
    }

    private void record(HttpClientSocket.Reply reply) {
        if (reply.status() != 200) {
            failures.add("status " + reply.status());
        }
        servedBy.add(reply.body());
    }

    private void awaitCompleted(int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> completed.get() >= count || !failures.isEmpty());
    }

    private void finish(List<Future<?>> running) throws Exception {
        for (Future<?> f : running) {
            f.get(60, TimeUnit.SECONDS);
        }
    }
}
