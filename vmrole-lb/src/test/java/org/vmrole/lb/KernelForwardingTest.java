package org.vmrole.lb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Kernel forwarding with the real nft on this machine's loopback (each balancer keeps a table of its own). */
class KernelForwardingTest {

    private static final ProbeSpec FAST_HTTP_PROBE = ProbeSpec.http("/health")
            .withInterval(Duration.ofMillis(50)).withTimeout(Duration.ofMillis(500));

    private final LoadBalancer lb = LoadBalancer.start(1);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        lb.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private HttpBackend backend(String id) throws IOException {
        HttpBackend b = new HttpBackend(id);
        toClose.add(b);
        return b;
    }

    private static String nft(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nft"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /** Waits until the kernel forwards {@code port} to exactly these backends. */
    private void awaitForwarding(InputEndpoint endpoint, HttpBackend... backends) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String table = nft("list", "table", "ip", lb.forwardingTable());
            String rule = table.lines().filter(l -> l.contains("dport " + endpoint.port() + " ")).findFirst().orElse("");
            return rule.contains("mod " + backends.length + " ")
                    && List.of(backends).stream().allMatch(b -> rule.contains(". " + b.ready().address().getPort()));
        });
    }

    private static Map<String, Integer> spread(int port, int requests) throws IOException {
        Map<String, Integer> byBackend = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            HttpClientSocket.Reply reply = HttpClientSocket.get(port, "/");
            assertThat(reply.status()).isEqualTo(200);
            byBackend.merge(reply.body(), 1, Integer::sum);
        }
        return byBackend;
    }

    @Test
    void spreads_new_connections_round_robin_inside_the_kernel_without_passing_through_the_listener() throws Exception {
        lb.forwardInKernel();
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitForwarding(endpoint, a, b);
        long acceptedBefore = endpoint.metrics().connectionsAccepted();

        assertThat(spread(endpoint.port(), 20)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 10));
        assertThat(endpoint.metrics().connectionsAccepted()).as("the balancer's listener saw none of them").isEqualTo(acceptedBefore);
    }

    @Test
    void a_drained_backend_gets_no_new_connections_and_its_drain_runs_the_whole_period() throws Exception {
        lb.forwardInKernel();
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.tcp("tcp", 0), pool);
        awaitForwarding(endpoint, a, b);

        long started = System.nanoTime();
        CompletableFuture<Drained> drained = pool.drain("a", Duration.ofMillis(600));
        awaitForwarding(endpoint, b);
        assertThat(spread(endpoint.port(), 6)).containsExactlyEntriesOf(Map.of("b", 6));
        assertThat(drained).as("connections the kernel forwards cannot be counted: the drain waits its period").isNotDone();
        await().atMost(Duration.ofSeconds(5)).until(drained::isDone);
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Duration.ofMillis(600).toNanos());
    }

    @Test
    void a_swap_moves_new_kernel_forwarded_connections_to_the_other_deployment() throws Exception {
        lb.forwardInKernel();
        HttpBackend oldInstance = backend("old"), newInstance = backend("new");
        BackendPool one = lb.newPool("d1/http", FAST_HTTP_PROBE);
        BackendPool two = lb.newPool("d2/http", FAST_HTTP_PROBE);
        one.setBackends(List.of(oldInstance.ready()));
        two.setBackends(List.of(newInstance.ready()));
        ServiceSlots slots = new ServiceSlots("contoso");
        slots.place(Slot.PRODUCTION, Map.of("http", one));
        slots.place(Slot.STAGING, Map.of("http", two));
        InputEndpoint production = lb.listen(EndpointSpec.http("http", 0), slots.route(Slot.PRODUCTION, "http"));
        InputEndpoint staging = lb.listen(EndpointSpec.http("http", 0), slots.route(Slot.STAGING, "http"));
        awaitForwarding(production, oldInstance);
        awaitForwarding(staging, newInstance);

        slots.swap();

        awaitForwarding(production, newInstance);
        awaitForwarding(staging, oldInstance);
        assertThat(HttpClientSocket.get(production.port(), "/").body()).isEqualTo("new");
        assertThat(HttpClientSocket.get(staging.port(), "/").body()).isEqualTo("old");
    }

    @Test
    void an_endpoint_adding_x_forwarded_for_stays_with_the_proxy() throws Exception {
        lb.forwardInKernel();
        HttpBackend a = backend("a");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready()));
        InputEndpoint plain = lb.listen(EndpointSpec.http("plain", 0), pool);
        InputEndpoint xff = lb.listen(EndpointSpec.http("xff", 0).withForwardedFor(true), pool);
        awaitForwarding(plain, a);

        assertThat(HttpClientSocket.get(xff.port(), "/").body()).isEqualTo("a");
        assertThat(xff.metrics().connectionsAccepted()).isEqualTo(1);
        assertThat(a.forwardedFor).contains(List.of("127.0.0.1"));
        assertThat(nft("list", "table", "ip", lb.forwardingTable())).doesNotContain("dport " + xff.port() + " ");
    }

    @Test
    void closing_removes_the_table_and_a_new_balancer_removes_the_table_of_one_that_died() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String stale = "vmrole_lb_" + gone.pid() + "_1";
        nft("add", "table", "ip", stale);
        assertThat(nft("list", "tables", "ip")).contains(stale);

        lb.forwardInKernel();
        String own = lb.forwardingTable();
        assertThat(nft("list", "tables", "ip")).doesNotContain(stale).contains(own);
        lb.close();
        assertThat(nft("list", "tables", "ip")).doesNotContain(own);
    }
}
