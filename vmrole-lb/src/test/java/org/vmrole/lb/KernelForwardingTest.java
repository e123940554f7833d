package org.vmrole.lb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Kernel forwarding with the real nft on this machine's loopback (each balancer keeps a table of its own). */
class KernelForwardingTest extends BalancerFixture {

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

    @Test
    void spreads_new_connections_round_robin_inside_the_kernel_without_passing_through_the_listener() throws Exception {
        lb.forwardInKernel();
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitForwarding(endpoint, a, b);
        long acceptedBefore = endpoint.metrics().connectionsAccepted();

        assertThat(HttpClientSocket.spread(endpoint.port(), 20)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 10));
        assertThat(endpoint.metrics().connectionsAccepted()).as("the balancer's listener saw none of them").isEqualTo(acceptedBefore);
    }

    @Test
    void a_drained_backend_gets_no_new_connections_and_its_drain_ends_when_the_kernel_holds_none_open_to_it() throws Exception {
        lb.forwardInKernel();
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.tcp("tcp", 0), pool);
        awaitForwarding(endpoint, a);
        CompletableFuture<HttpClientSocket.Reply> open = CompletableFuture.supplyAsync(() -> HttpClientSocket.getUnchecked(endpoint.port(), "/slow"));
        assertThat(a.slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
        pool.setBackends(List.of(a.ready(), b.ready()));
        awaitForwarding(endpoint, a, b);

        CompletableFuture<Drained> drained = pool.drain("a", Duration.ofMinutes(5));
        awaitForwarding(endpoint, b);
        assertThat(HttpClientSocket.spread(endpoint.port(), 6)).containsExactlyEntriesOf(Map.of("b", 6));
        assertThat(drained).as("the kernel still holds the slow request's connection to a").isNotDone();

        a.releaseSlow();
        assertThat(open.get(10, TimeUnit.SECONDS).content()).isEqualTo(new HttpClientSocket.Reply(200, "a slow"));
        assertThat(drained.get(10, TimeUnit.SECONDS)).as("ends once the kernel holds no connection to a, not after 5 minutes")
                .isEqualTo(new Drained("a", 0));
    }

    @Test
    void a_swap_moves_new_kernel_forwarded_connections_while_an_open_one_finishes_on_the_old_deployment() throws Exception {
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
        CompletableFuture<HttpClientSocket.Reply> open = CompletableFuture.supplyAsync(() -> HttpClientSocket.getUnchecked(production.port(), "/slow"));
        assertThat(oldInstance.slowArrived.await(10, TimeUnit.SECONDS)).isTrue();

        slots.swap();

        awaitForwarding(production, newInstance);
        awaitForwarding(staging, oldInstance);
        assertThat(HttpClientSocket.get(production.port(), "/").body()).isEqualTo("new");
        assertThat(HttpClientSocket.get(staging.port(), "/").body()).isEqualTo("old");
        assertThat(open).isNotDone();
        oldInstance.releaseSlow();
        assertThat(open.get(10, TimeUnit.SECONDS).content()).as("a connection open before the swap finishes on the old deployment")
                .isEqualTo(new HttpClientSocket.Reply(200, "old slow"));
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
    void closing_removes_the_table_and_a_new_balancer_removes_the_tables_of_ones_that_died() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String dead = "vmrole_lb_" + gone.pid() + "_0_1";
        // a live pid whose start time differs: the pid was reused after that balancer died
        String reused = "vmrole_lb_" + ProcessHandle.current().pid() + "_1_1";
        nft("add", "table", "ip", dead);
        nft("add", "table", "ip", reused);
        assertThat(nft("list", "tables", "ip")).contains(dead, reused);

        lb.forwardInKernel();
        String own = lb.forwardingTable();
        assertThat(nft("list", "tables", "ip")).doesNotContain(dead).doesNotContain(reused).contains(own);
        lb.close();
        assertThat(nft("list", "tables", "ip")).doesNotContain(own);
        assertThatThrownBy(lb::forwardInKernel).hasMessageContaining("closed");
    }

    @Test
    void leftover_tables_are_removed_by_a_balancer_that_does_not_forward_in_the_kernel_itself() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String dead = "vmrole_lb_" + gone.pid() + "_0_7";
        nft("add", "table", "ip", dead);

        assertThat(LoadBalancer.removeLeftoverForwarding()).isGreaterThanOrEqualTo(1);
        assertThat(nft("list", "tables", "ip")).doesNotContain(dead);
    }
}
