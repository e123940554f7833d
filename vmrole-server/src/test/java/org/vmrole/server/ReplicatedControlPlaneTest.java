package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.etcd.EtcdCluster;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.model.host.HostCapacity;

/** Server replicas on a real three-member etcd: the API through etcd member failures, and leadership moving between replicas. */
class ReplicatedControlPlaneTest {
    private static final String ADMIN = "vmr_replicatedControlPlaneTestAdministratorKey0123";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static EtcdCluster etcd;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(3);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    private EmbeddedPlatform replica(String name) throws Exception {
        return EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve(name), "127.0.0.1", 0, ADMIN, 0, false)
                .withStore(StoreLocation.parse(etcd.url())));
    }

    private static HttpResponse<String> call(EmbeddedPlatform p, String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(p.apiUrl() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json");
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int createSubscription(EmbeddedPlatform p, String id) throws Exception {
        return call(p, "POST", "/subscriptions", "{\"id\":\"" + id + "\",\"displayName\":\"" + id + "\"}").statusCode();
    }

    @Test
    void the_api_keeps_working_with_one_etcd_member_down_and_says_the_store_has_no_quorum_without_two() throws Exception {
        try (EmbeddedPlatform server = replica("one")) {
            assertThat(createSubscription(server, "contoso")).isEqualTo(201);
            etcd.killMember(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> createSubscription(server, "fabrikam") == 201);
            assertThat(call(server, "GET", "/subscriptions", null).body()).contains("contoso", "fabrikam");

            etcd.killMember(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> refused = call(server, "GET", "/subscriptions", null);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(JSON.readTree(refused.body()).path("error").path("message").asText()).contains("no quorum");
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            });

            etcd.startMember(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> call(server, "GET", "/subscriptions", null).statusCode() == 200);
            assertThat(call(server, "GET", "/subscriptions", null).body()).contains("contoso", "fabrikam");
            assertThat(createSubscription(server, "northwind")).isEqualTo(201);
        } finally {
            for (int i = 0; i < etcd.size(); i++) etcd.startMember(i);
            etcd.awaitQuorum(Duration.ofSeconds(30));
        }
    }

    @Test
    void one_replica_leads_every_replica_serves_and_a_killed_leaders_successor_reconciles_within_the_lease() throws Exception {
        try (EmbeddedPlatform a = replica("a"); EmbeddedPlatform b = replica("b")) {
            assertThat(createSubscription(b, "woodgrove")).isEqualTo(201);
            assertThat(call(a, "GET", "/subscriptions", null).body()).contains("woodgrove");
            // on a loaded machine a lease may lapse and the other replica take over: whoever leads, exactly one does
            JsonNode status = await().atMost(Duration.ofSeconds(20)).until(() -> JSON.readTree(call(b, "GET", "/controller/status", null).body()),
                    s -> s.path("replicas").size() == 2 && !s.path("leader").isNull() && a.controller().leads() != b.controller().leads());
            EmbeddedPlatform leading = a.controller().leads() ? a : b;
            EmbeddedPlatform following = leading == a ? b : a;
            assertThat(status.path("leader").asText()).isEqualTo(leading.apiUrl().substring("http://".length()));
            assertThat(status.path("members")).hasSize(3).allSatisfy(m -> assertThat(m.path("healthy").asBoolean()).isTrue());

            ReplicatedController leader = (ReplicatedController) leading.controller();
            ReplicatedController successor = (ReplicatedController) following.controller();
            long killed = System.nanoTime();
            leader.crash();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> successor.firstPassNanos() > killed);
            Duration failover = Duration.ofNanos(successor.firstPassNanos() - killed);
            System.out.printf("replica failover: leader killed -> first reconcile pass of its successor in %d ms (lease %d s)%n",
                    failover.toMillis(), ReplicatedController.LEASE.toSeconds());
            assertThat(failover).isLessThan(Duration.ofSeconds(6));
            assertThat(leading.controller().leads()).isFalse();
            assertThat(call(following, "GET", "/metrics", null).body()).contains("vmrole_controller_leader 1.0",
                    "vmrole_controller_leader_changes_total{to=\"leader\"}", "vmrole_reconcile_pass_seconds_count");
            assertThat(call(leading, "GET", "/metrics", null).body()).contains("vmrole_controller_leader 0.0",
                    "vmrole_controller_leader_changes_total{to=\"follower\"}");
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> JSON.readTree(call(leading, "GET", "/controller/status", null).body()).path("leader").asText(),
                    leaderNow -> leaderNow.equals(following.apiUrl().substring("http://".length())));
        }
    }

    @Test
    void a_host_of_several_replicas_beats_to_the_leader_and_follows_the_next_one_with_the_same_join_token() throws Exception {
        try (EmbeddedPlatform a = replica("ha"); EmbeddedPlatform b = replica("hb")) {
            assertThat(b.api().authority().fingerprint()).isEqualTo(a.api().authority().fingerprint());
            await().atMost(Duration.ofSeconds(20)).until(() -> a.controller().leads() != b.controller().leads());
            EmbeddedPlatform leading = a.controller().leads() ? a : b;
            EmbeddedPlatform following = leading == a ? b : a;
            // the host is told the follower first, with the follower's join token: it is sent on to the leader
            try (HostRuntime host = HostRuntime.start(new HostRuntime.Spec("host-x", 0, dir.resolve("host-x"), URI.create(following.apiUrl()),
                    following.joinToken("host-x"), new HostCapacity(2, 2048, 512), EmbeddedPlatform.HEARTBEAT,
                    EmbeddedPlatform.HOST_TIMEOUT.minus(EmbeddedPlatform.HEARTBEAT)).withOtherControllers(List.of(URI.create(leading.apiUrl()))))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> leading.fabric().listHosts().stream()
                        .anyMatch(h -> h.name().equals("host-x") && h.status() == HostStatus.Up));

                // killed: its lease is not given back, so the host waits out the lease with the follower's "nobody leads"
                long leaderGone = System.currentTimeMillis();
                ((ReplicatedController) leading.controller()).crash();
                leading.close();
                await().atMost(Duration.ofSeconds(15)).until(() -> following.controller().leads());
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> following.fabric().listHosts().stream()
                        .anyMatch(h -> h.name().equals("host-x") && h.status() == HostStatus.Up && h.lastHeartbeatMillis() > leaderGone));
                System.out.printf("host failover: leader killed -> the host's heartbeat taken by the new leader in %d ms%n",
                        System.currentTimeMillis() - leaderGone);
            }
        }
    }

    @Test
    void a_host_in_a_followers_process_told_of_that_replica_only_beats_to_the_leader_it_names() throws Exception {
        try (EmbeddedPlatform a = replica("ia"); EmbeddedPlatform b = replica("ib")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> a.controller().leads() != b.controller().leads());
            EmbeddedPlatform leading = a.controller().leads() ? a : b;
            EmbeddedPlatform following = leading == a ? b : a;
            HostRuntime host = following.startHost("host-in", 0, dir.resolve("host-in"), new HostCapacity(2, 2048, 512));
            await().atMost(Duration.ofSeconds(20)).until(() -> leading.fabric().listHosts().stream()
                    .anyMatch(h -> h.name().equals("host-in") && h.status() == HostStatus.Up));
            assertThat(host.spec().controller()).isEqualTo(URI.create(following.apiUrl()));
        }
    }

    @Test
    void refuses_a_store_option_it_cannot_use_naming_the_option_and_the_fix() {
        assertThatThrownBy(() -> StoreLocation.parse("etcd://10.0.0.1")).hasMessageContaining("--store").hasMessageContaining("port");
        assertThatThrownBy(() -> StoreLocation.parse("mysql://db:3306")).hasMessageContaining("--store")
                .hasMessageContaining("sqlite").hasMessageContaining("etcd://HOST:PORT");
        assertThat(StoreLocation.parse("sqlite")).isInstanceOf(StoreLocation.Sqlite.class);
        assertThat(StoreLocation.parse("etcd://a:2379,b:2379")).isEqualTo(new StoreLocation.Etcd(org.vmrole.etcd.EtcdAddress.parse("etcd://a:2379,b:2379")));
    }
}
