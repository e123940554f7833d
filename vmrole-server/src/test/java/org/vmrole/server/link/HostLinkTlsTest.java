package org.vmrole.server.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.fabric.model.Host;
import org.vmrole.host.link.ControllerClient;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.HostHeartbeat;
import org.vmrole.model.host.HostJoin;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.JoinCredentials;
import org.vmrole.model.tls.PinnedTrust;
import org.vmrole.model.tls.TlsCredentials;
import org.vmrole.model.tls.TlsIdentity;
import org.vmrole.server.EmbeddedPlatform;

/** The host link over real TLS sockets: a controller with no hosts of its own, and hosts (or forgers) speaking to its port. */
class HostLinkTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HostCapacity CAPACITY = new HostCapacity(2, 4096, 100);

    @TempDir Path dir;
    EmbeddedPlatform platform;

    @BeforeEach
    void start() throws IOException {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 0));
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    private ControllerClient joined(String host, int faultDomain) throws Exception {
        ControllerClient c = new ControllerClient(URI.create(platform.apiUrl()), host, platform.joinToken(host));
        c.join(new HostJoin(host, faultDomain, CAPACITY));
        return c;
    }

    private Host registered(String name) {
        return platform.fabric().listHosts().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void a_host_joins_over_tls_pinning_the_controller_and_beats_with_the_certificate_it_was_issued() throws Exception {
        ControllerClient host = joined("host-a", 0);

        TlsCredentials issued = host.identity().current();
        assertThat(issued.name()).isEqualTo("host-a");
        assertThat(issued.authority()).isEqualTo(platform.api().authority().certificate());
        assertThat(host.heartbeat(new HostHeartbeat("host-a", -1, List.of(), Map.of()))).isPresent();
        assertThat(platform.fabric().listHosts()).extracting(Host::name).containsExactly("host-a");
    }

    @Test
    void a_host_asks_nothing_before_it_joined_and_beats_with_a_new_certificate_after_each_join() throws Exception {
        ControllerClient host = new ControllerClient(URI.create(platform.apiUrl()), "host-a", platform.joinToken("host-a"));
        assertThatThrownBy(() -> host.requests(Duration.ZERO)).isInstanceOf(ControllerClient.NotAdmitted.class);

        host.join(new HostJoin("host-a", 0, CAPACITY));
        assertThat(host.requests(Duration.ZERO)).isEmpty();
        var first = host.identity().current().certificate();
        host.join(new HostJoin("host-a", 0, CAPACITY));

        assertThat(host.identity().current().certificate()).isNotEqualTo(first);
        assertThat(host.heartbeat(new HostHeartbeat("host-a", -1, List.of(), Map.of()))).isPresent();
        assertThat(host.requests(Duration.ZERO)).isEmpty();
    }

    @Test
    void a_host_refuses_to_join_a_controller_whose_certificate_its_token_does_not_pin_and_says_why() throws Exception {
        String secret = JoinCredentials.parse(platform.joinToken("host-a")).secret();
        String elsewhere = CertificateAuthority.create("another controller", Instant.now()).fingerprint();
        ControllerClient host = new ControllerClient(URI.create(platform.apiUrl()), "host-a", new JoinCredentials(secret, elsewhere).format());

        assertThatThrownBy(() -> host.join(new HostJoin("host-a", 0, CAPACITY)))
                .isInstanceOf(ControllerClient.ControllerNotTrusted.class)
                .hasMessageContaining(elsewhere).hasMessageContaining(platform.api().authority().fingerprint())
                .hasMessageContaining("./vmrole host token");
        assertThat(platform.fabric().listHosts()).as("the host never got as far as sending its join").isEmpty();
        assertThat(host.identity().current()).isNull();
    }

    @Test
    void a_forged_heartbeat_is_refused_and_changes_nothing() throws Exception {
        joined("host-a", 0).heartbeat(new HostHeartbeat("host-a", -1, List.of(), Map.of()));
        ControllerClient other = joined("host-b", 1);
        String tokenOfA = platform.joinToken("host-a");
        long heardFromA = registered("host-a").lastHeartbeatMillis();
        // a heartbeat that got through would move the time: wait until the clock has passed the last one
        org.awaitility.Awaitility.await().until(() -> System.currentTimeMillis() > heardFromA);
        String fingerprint = platform.api().authority().fingerprint();

        // the right token, over TLS, but no client certificate
        Forger bare = new Forger(fingerprint);
        assertThat(bare.heartbeat("host-a", tokenOfA)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("HostCertificateMissing");
        });
        // host-b's own valid certificate, speaking for host-a with host-a's token
        Forger asB = new Forger(fingerprint, other.identity().keyManager());
        assertThat(asB.heartbeat("host-a", tokenOfA)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.code()).isEqualTo("HostCertificateMismatch");
        });
        // a certificate for host-a that another authority signed: the handshake fails
        TlsCredentials foreign = CertificateAuthority.create("forger", Instant.now()).credentialsFor("host-a", Instant.now(), Duration.ofHours(1));
        Forger signedElsewhere = new Forger(fingerprint, new TlsIdentity(foreign).keyManager());
        assertThatThrownBy(() -> signedElsewhere.heartbeat("host-a", tokenOfA)).isInstanceOf(IOException.class);

        assertThat(registered("host-a").lastHeartbeatMillis()).isEqualTo(heardFromA);
    }

    @Test
    void a_revoked_host_is_refused_although_its_certificate_is_still_valid() throws Exception {
        ControllerClient host = joined("host-a", 0);
        platform.fabric().revokeHost("host-a");

        assertThatThrownBy(() -> host.heartbeat(new HostHeartbeat("host-a", -1, List.of(), Map.of())))
                .isInstanceOf(ControllerClient.NotAdmitted.class);
    }

    @Test
    void the_controller_keeps_its_authority_key_to_itself_and_the_same_authority_across_restarts() throws Exception {
        String before = platform.api().authority().fingerprint();
        Path key = dir.resolve("data/host-link/authority.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent()))).isEqualTo("rwx------");

        platform.close();
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 0));

        assertThat(platform.api().authority().fingerprint()).isEqualTo(before);
    }

    /** Someone who learned the controller's fingerprint (it is no secret) and speaks the host link by hand. */
    private final class Forger {
        private final HttpClient http;

        Forger(String fingerprint, KeyManager... keys) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(new PinnedTrust(fingerprint).sslContext(keys)).build();
        }

        record Reply(int status, String code) {}

        Reply heartbeat(String host, String token) throws Exception {
            URI api = URI.create(platform.apiUrl());
            String body = JSON.writeValueAsString(new HostHeartbeat(host, -1, List.of(), Map.of()));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://" + api.getHost() + ":" + platform.api().hostLinkPort() + "/hostlink/v1/heartbeat"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
            return new Reply(r.statusCode(), json.path("error").path("code").asText());
        }
    }
}
