package org.vmrole.lb;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LoadBalancerTest extends BalancerFixture {

    private static final ProbeSpec SLOW_HTTP_PROBE = ProbeSpec.http("/health")
            .withInterval(Duration.ofMinutes(10)).withTimeout(Duration.ofMillis(500));

    private static void awaitRotation(BackendPool pool, String... ids) {
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.inRotation().equals(List.of(ids)));
    }

    @Test
    void spreads_new_connections_round_robin_over_the_backends_in_rotation() throws IOException {
        HttpBackend a = backend("a"), b = backend("b"), c = backend("c");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready(), c.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a", "b", "c");

        assertThat(HttpClientSocket.spread(endpoint.port(), 30)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 10, "c", 10));
        assertThat(endpoint.metrics().connectionsAccepted()).isEqualTo(30);
        assertThat(endpoint.metrics().bytesToClients()).isPositive();
        assertThat(endpoint.metrics().bytesToBackends()).isPositive();
    }

    @Test
    void a_backend_failing_its_probe_leaves_rotation_and_comes_back_when_it_passes() throws IOException {
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a", "b");

        b.healthy(false);
        awaitRotation(pool, "a");
        assertThat(pool.status().get(1).probe()).isEqualTo(ProbeHealth.FAILING);
        assertThat(HttpClientSocket.spread(endpoint.port(), 6)).containsExactlyEntriesOf(Map.of("a", 6));

        b.healthy(true);
        awaitRotation(pool, "a", "b");
        assertThat(HttpClientSocket.spread(endpoint.port(), 6)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3, "b", 3));
    }

    @Test
    void a_backend_the_controller_holds_ineligible_leaves_rotation_at_once() throws IOException {
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a", "b");

        pool.setBackends(List.of(Backend.of("a", a.address(), false), Backend.of("b", b.address(), true)));

        assertThat(pool.inRotation()).containsExactly("b");
        assertThat(HttpClientSocket.spread(endpoint.port(), 4)).containsExactlyEntriesOf(Map.of("b", 4));
    }

    @Test
    void a_busy_sole_backend_stays_in_rotation_but_leaves_when_others_can_serve() throws IOException {
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(Backend.busy("a", a.address())));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);

        awaitRotation(pool, "a");
        assertThat(HttpClientSocket.get(endpoint.port(), "/").body()).isEqualTo("a");

        pool.setBackends(List.of(Backend.busy("a", a.address()), b.ready()));
        awaitRotation(pool, "b");
    }

    @Test
    void a_dead_sole_backend_is_out_of_rotation_even_though_only_the_busy_rule_spares_a_sole_backend() throws IOException {
        HttpBackend a = backend("a");
        InetSocketAddress deadAddress = a.address();
        a.close();
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(Backend.busy("a", deadAddress)));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);

        await().atMost(Duration.ofSeconds(10)).until(() -> pool.status().get(0).probe() == ProbeHealth.FAILING);
        assertThat(pool.inRotation()).isEmpty();
        assertThatThrownBy(() -> HttpClientSocket.get(endpoint.port(), "/")).isInstanceOf(IOException.class);
        assertThat(endpoint.metrics().noBackend()).isEqualTo(1);
    }

    @Test
    void drain_takes_a_backend_out_at_once_and_lets_an_open_connection_finish() throws Exception {
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a");
        CompletableFuture<HttpClientSocket.Reply> slow = CompletableFuture.supplyAsync(() -> HttpClientSocket.getUnchecked(endpoint.port(), "/slow"));
        assertThat(a.slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
        pool.setBackends(List.of(a.ready(), b.ready()));
        awaitRotation(pool, "a", "b");

        CompletableFuture<Drained> drained = pool.drain("a", Duration.ofSeconds(30));

        assertThat(pool.inRotation()).containsExactly("b");
        assertThat(HttpClientSocket.spread(endpoint.port(), 4)).containsExactlyEntriesOf(Map.of("b", 4));
        assertThat(drained).isNotDone();
        a.releaseSlow();
        assertThat(slow.get(10, TimeUnit.SECONDS).content()).isEqualTo(new HttpClientSocket.Reply(200, "a slow"));
        assertThat(drained.get(10, TimeUnit.SECONDS)).isEqualTo(new Drained("a", 0));
    }

    @Test
    void drain_closes_a_connection_still_open_when_the_drain_period_ends() throws Exception {
        HttpBackend a = backend("a");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a");
        try (HttpClientSocket keepAlive = new HttpClientSocket(endpoint.port())) {
            keepAlive.send("GET / HTTP/1.1\r\nHost: lb\r\n\r\n");
            assertThat(keepAlive.reply().body()).isEqualTo("a");

            Drained drained = pool.drain("a", Duration.ofMillis(200)).get(10, TimeUnit.SECONDS);

            assertThat(drained).isEqualTo(new Drained("a", 1));
            assertThat(keepAlive.closedByPeer()).isTrue();
        }
        assertThat(pool.drain("a", Duration.ZERO)).isCompletedWithValue(new Drained("a", 1));
        assertThat(pool.drain("unknown", Duration.ZERO)).isCompletedWithValue(new Drained("unknown", 0));
    }

    @Test
    void swap_moves_new_connections_while_an_open_one_finishes_on_the_old_deployment() throws Exception {
        HttpBackend oldInstance = backend("old"), newInstance = backend("new");
        BackendPool deploymentOne = lb.newPool("d1/http", FAST_HTTP_PROBE);
        BackendPool deploymentTwo = lb.newPool("d2/http", FAST_HTTP_PROBE);
        deploymentOne.setBackends(List.of(oldInstance.ready()));
        deploymentTwo.setBackends(List.of(newInstance.ready()));
        ServiceSlots slots = new ServiceSlots("contoso");
        slots.place(Slot.PRODUCTION, Map.of("http", deploymentOne));
        slots.place(Slot.STAGING, Map.of("http", deploymentTwo));
        InputEndpoint production = lb.listen(EndpointSpec.http("http", 0), slots.route(Slot.PRODUCTION, "http"));
        InputEndpoint staging = lb.listen(EndpointSpec.http("http", 0), slots.route(Slot.STAGING, "http"));
        awaitRotation(deploymentOne, "old");
        awaitRotation(deploymentTwo, "new");
        CompletableFuture<HttpClientSocket.Reply> open = CompletableFuture.supplyAsync(() -> HttpClientSocket.getUnchecked(production.port(), "/slow"));
        assertThat(oldInstance.slowArrived.await(10, TimeUnit.SECONDS)).isTrue();

        slots.swap();

        assertThat(HttpClientSocket.get(production.port(), "/").body()).isEqualTo("new");
        assertThat(HttpClientSocket.get(staging.port(), "/").body()).isEqualTo("old");
        assertThat(open).isNotDone();
        oldInstance.releaseSlow();
        assertThat(open.get(10, TimeUnit.SECONDS).content()).isEqualTo(new HttpClientSocket.Reply(200, "old slow"));
    }

    @Test
    void swap_refuses_slots_that_expose_different_endpoints() {
        BackendPool web = lb.newPool("web", FAST_HTTP_PROBE);
        BackendPool raw = lb.newPool("raw", ProbeSpec.tcp());
        ServiceSlots slots = new ServiceSlots("contoso");
        slots.place(Slot.PRODUCTION, Map.of("http", web));
        slots.place(Slot.STAGING, Map.of("raw", raw));

        assertThatThrownBy(slots::swap).hasMessageContaining("[http]").hasMessageContaining("[raw]");
    }

    @Test
    void a_refused_connect_is_retried_on_another_backend_without_the_client_noticing() throws IOException {
        HttpBackend a = backend("a"), b = backend("b");
        BackendPool pool = lb.newPool("web", SLOW_HTTP_PROBE);
        pool.setBackends(List.of(a.ready(), b.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a", "b");

        b.close();

        assertThat(HttpClientSocket.spread(endpoint.port(), 10)).containsExactlyEntriesOf(Map.of("a", 10));
        EndpointMetrics metrics = endpoint.metrics();
        assertThat(metrics.backendErrors()).isGreaterThanOrEqualTo(1);
        assertThat(metrics.retried()).isEqualTo(metrics.backendErrors());
        assertThat(pool.inRotation()).containsExactly("a");
    }

    @Test
    void a_backend_whose_machine_stops_answering_leaves_rotation_at_once_though_its_probe_is_minutes_apart() throws Exception {
        HttpBackend a = backend("a");
        // a full accept queue drops new connections unanswered, as a machine that vanished from the network does
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // both backends are on loopback: the check knocks on the silent port for both, so a is the control
            lb.checkReachability(Reachability.FAST.onPort(silent.getLocalPort()));
            BackendPool pool = lb.newPool("web", ProbeSpec.tcp().withInterval(Duration.ofMinutes(10)));
            pool.setBackends(List.of(Backend.ready("b", (InetSocketAddress) silent.getLocalSocketAddress())));
            awaitRotation(pool, "b");

            List<Socket> queued = new ArrayList<>();
            try {
                while (queued.size() < 8 && connects(silent, queued)) {
                    // fill the accept queue
                }
                awaitRotation(pool);
                assertThat(pool.status().get(0).probe()).isEqualTo(ProbeHealth.FAILING);
            } finally {
                for (Socket q : queued) {
                    q.close();
                }
            }
        }
    }

    @Test
    void a_machine_that_refuses_the_reachability_check_is_there_and_its_backends_stay_in_rotation() throws Exception {
        HttpBackend a = backend("a");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        lb.checkReachability(Reachability.FAST.onPort(closed));
        BackendPool pool = lb.newPool("web", ProbeSpec.tcp().withInterval(Duration.ofMinutes(10)));
        pool.setBackends(List.of(a.ready()));
        awaitRotation(pool, "a");
        long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        // ten checks a second, each refused at once: two misses would have taken it out within milliseconds
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() > until);
        assertThat(pool.inRotation()).containsExactly("a");
    }

    private static boolean connects(ServerSocket server, List<Socket> opened) throws IOException {
        Socket s = new Socket();
        opened.add(s);
        try {
            s.connect(server.getLocalSocketAddress(), 200);
            return true;
        } catch (SocketTimeoutException unanswered) {
            return false;
        }
    }

    @Test
    void an_idempotent_request_whose_backend_closes_without_answering_is_sent_again_to_another_backend() throws Exception {
        AnswerlessBackend dying = new AnswerlessBackend();
        toClose.add(dying);
        HttpBackend a = backend("a");
        BackendPool pool = lb.newPool("web", SLOW_HTTP_PROBE);
        pool.setBackends(List.of(Backend.ready("dying", dying.address()), a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0).withForwardedFor(true), pool);
        awaitRotation(pool, "dying", "a");

        assertThat(HttpClientSocket.spread(endpoint.port(), 6)).containsExactlyEntriesOf(Map.of("a", 6));
        assertThat(dying.dropped.get()).isPositive();
        assertThat(endpoint.metrics().backendErrors()).isEqualTo(dying.dropped.get());
        assertThat(a.forwardedFor).allSatisfy(values -> assertThat(values).containsExactly("127.0.0.1"));
    }

    @Test
    void a_post_is_not_sent_twice_when_its_backend_closes_without_answering() throws Exception {
        AnswerlessBackend dying = new AnswerlessBackend();
        toClose.add(dying);
        HttpBackend a = backend("a");
        BackendPool pool = lb.newPool("web", SLOW_HTTP_PROBE);
        pool.setBackends(List.of(Backend.ready("dying", dying.address()), a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "dying", "a");

        int failed = 0;
        for (int i = 0; i < 2; i++) {
            try (HttpClientSocket c = new HttpClientSocket(endpoint.port())) {
                c.send("POST / HTTP/1.1\r\nHost: lb\r\nContent-Length: 4\r\nConnection: close\r\n\r\nonce");
                c.reply();
            } catch (IOException e) {
                failed++;
            }
        }

        assertThat(failed).isEqualTo(1);
        assertThat(dying.dropped.get()).isEqualTo(1);
        assertThat(a.bodies).containsExactly("once");
    }

    @Test
    void a_tcp_endpoint_passes_bytes_untouched() throws Exception {
        EchoBackend echo = new EchoBackend();
        toClose.add(echo);
        BackendPool pool = lb.newPool("raw", ProbeSpec.tcp().withInterval(Duration.ofMillis(50)));
        pool.setBackends(List.of(Backend.ready("echo", echo.address())));
        InputEndpoint endpoint = lb.listen(EndpointSpec.tcp("raw", 0), pool);
        awaitRotation(pool, "echo");
        byte[] payload = new byte[4 << 20];
        new Random(42).nextBytes(payload);

        byte[] returned = TransportTest.echoThrough(endpoint.port(), payload);

        assertThat(sha256(returned)).isEqualTo(sha256(payload));
        assertThat(endpoint.metrics().bytesToBackends()).isEqualTo(payload.length);
        assertThat(endpoint.metrics().bytesToClients()).isEqualTo(payload.length);
    }

    @Test
    void a_tcp_probe_fails_a_backend_that_accepts_and_closes_at_once_as_qemu_user_networking_does_for_a_refusing_guest()
            throws Exception {
        EchoBackend echo = new EchoBackend();
        toClose.add(echo);
        try (ServerSocket slamming = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!slamming.isClosed()) {
                    try {
                        slamming.accept().close();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            BackendPool pool = lb.newPool("raw", ProbeSpec.tcp().withInterval(Duration.ofMillis(50)));
            pool.setBackends(List.of(Backend.ready("refusing", new InetSocketAddress("127.0.0.1", slamming.getLocalPort())),
                    Backend.ready("echo", echo.address())));

            awaitRotation(pool, "echo");
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.status().get(0).probe() == ProbeHealth.FAILING);
        }
    }

    @Test
    void an_http_endpoint_adds_x_forwarded_for_to_every_request_on_a_connection() throws IOException {
        HttpBackend a = backend("a");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0).withForwardedFor(true), pool);
        awaitRotation(pool, "a");

        try (HttpClientSocket c = new HttpClientSocket(endpoint.port())) {
            c.send("GET / HTTP/1.1\r\nHost: lb\r\n\r\n");
            assertThat(c.reply().status()).isEqualTo(200);
            c.send("POST / HTTP/1.1\r\nHost: lb\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(c.reply().status()).isEqualTo(200);
            c.send("POST / HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nchunked\r\n");
            c.send("5\r\n body\r\n0\r\n\r\n");
            assertThat(c.reply().status()).isEqualTo(200);
            c.send("GET / HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
            assertThat(c.reply().status()).isEqualTo(200);
        }

        assertThat(a.forwardedFor).containsExactly(
                List.of("127.0.0.1"), List.of("127.0.0.1"), List.of("127.0.0.1"), List.of("10.0.0.1", "127.0.0.1"));
        assertThat(a.bodies).containsExactly("hello", "chunked body");
    }

    @Test
    void an_http_endpoint_without_forwarded_for_passes_requests_as_sent() throws IOException {
        HttpBackend a = backend("a");
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        pool.setBackends(List.of(a.ready()));
        InputEndpoint endpoint = lb.listen(EndpointSpec.http("http", 0), pool);
        awaitRotation(pool, "a");

        HttpClientSocket.get(endpoint.port(), "/");

        assertThat(a.forwardedFor).containsExactly(List.of());
    }

    @Test
    void a_port_in_use_is_refused_with_a_message_naming_the_endpoint() {
        BackendPool pool = lb.newPool("web", FAST_HTTP_PROBE);
        InputEndpoint first = lb.listen(EndpointSpec.http("http", 0), pool);

        assertThatThrownBy(() -> lb.listen(EndpointSpec.http("api", first.port()), pool))
                .hasMessageContaining("endpoint 'api'").hasMessageContaining("port");
    }

    private static String sha256(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
