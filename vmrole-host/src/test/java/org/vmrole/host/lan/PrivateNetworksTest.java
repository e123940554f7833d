package org.vmrole.host.lan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.PeerHost;
import org.vmrole.model.host.PrivateNetwork;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.TlsCredentials;
import org.vmrole.model.tls.TlsIdentity;
import java.time.Instant;
import javax.net.ssl.SSLSocket;

/** Two hosts' private networks on loopback, with QEMU's NIC sockets played by {@link FakeNic}s. */
class PrivateNetworksTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
    private static final String MAC_0 = "52:54:0a:80:00:0a";
    private static final String MAC_1 = "52:54:0a:80:00:0b";

    private static final CertificateAuthority FABRIC = CertificateAuthority.create("test controller", Instant.now());

    @TempDir
    Path dir;
    private final Map<String, Path> sockets = new HashMap<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    @Test
    void carries_frames_between_instances_on_two_hosts_and_nowhere_else() throws Exception {
        PrivateNetworks h1 = host("h1");
        PrivateNetworks h2 = host("h2");
        FakeNic web0 = nic("d1/Web_IN_0");
        FakeNic web1 = nic("d1/Web_IN_1");
        FakeNic other = nic("d2/Web_IN_0");
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY, new PeerHost("h2", h2.address()))));
        h2.apply(List.of(assignment("d1", 1, MAC_1, KEY, new PeerHost("h1", h1.address())),
                assignment("d2", 0, MAC_0, KEY.replace('0', '9'))));
        await().atMost(Duration.ofSeconds(10)).until(() -> web0.connected() && web1.connected() && other.connected());

        // the tunnel comes up within a redial: keep saying hello until the other side hears it
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            web0.send(FakeNic.frame(BROADCAST, MAC_0, "who is there"));
            return !web1.received.isEmpty();
        });
        assertThat(FakeNic.text(web1.next())).isEqualTo("who is there");
        web1.send(FakeNic.frame(MAC_0, MAC_1, "Web_IN_1 here"));
        assertThat(drainUntil(web0, "Web_IN_1 here")).isTrue();
        assertThat(other.received).as("another deployment's instance on the same host").isEmpty();
    }

    @Test
    void a_copy_kept_off_the_network_hears_nothing_and_a_copy_put_on_it_announces_where_the_instance_now_is() throws Exception {
        PrivateNetworks h1 = host("h1");
        FakeNic web0 = nic("d1/Web_IN_0");
        FakeNic web1 = nic("d1/Web_IN_1");
        Assignment on = assignment("d1", 1, MAC_1, KEY);
        Assignment off = on.withLiveChange(on.settings(), on.network().withDetached(true));
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY), off));
        await().atMost(Duration.ofSeconds(10)).until(web0::connected);

        web0.send(FakeNic.frame(BROADCAST, MAC_0, "anyone?"));
        assertThat(web1.connected()).as("the detached copy's NIC is not connected").isFalse();
        assertThat(web1.received).isEmpty();

        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY), on));
        byte[] announcement = web0.arp.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(announcement).as("a gratuitous ARP from Web_IN_1's MAC for its address").isNotNull();
        assertThat(java.util.HexFormat.of().formatHex(announcement, 0, 42)).isEqualTo("ffffffffffff" + MAC_1.replace(":", "") + "0806"
                + "0001080006040001" + MAC_1.replace(":", "") + "0a80000b" + "000000000000" + "0a80000b");
        web0.send(FakeNic.frame(MAC_1, MAC_0, "now you"));
        assertThat(drainUntil(web1, "now you")).isTrue();
    }

    @Test
    void drops_frames_whose_source_is_not_the_instances_own_mac() throws Exception {
        PrivateNetworks h1 = host("h1");
        FakeNic web0 = nic("d1/Web_IN_0");
        FakeNic web1 = nic("d1/Web_IN_1");
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY), assignment("d1", 1, MAC_1, KEY)));
        await().atMost(Duration.ofSeconds(10)).until(() -> web0.connected() && web1.connected());

        web0.send(FakeNic.frame(BROADCAST, "52:54:0a:80:00:63", "spoofed"));
        web0.send(FakeNic.frame(BROADCAST, MAC_0, "genuine"));

        assertThat(FakeNic.text(web1.next())).isEqualTo("genuine");
    }

    @Test
    void refuses_a_tunnel_that_does_not_hold_the_network_key() throws Exception {
        PrivateNetworks h1 = host("h1");
        nic("d1/Web_IN_0");
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY)));

        try (SSLSocket s = dial(h1, identity(FABRIC, "h0"))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            assertThatThrownBy(() -> TunnelHandshake.dial(in, out, "d1", "h0", KEY.replace('a', 'b')))
                    .isInstanceOf(IOException.class).hasMessageContaining("does not hold the network key");
        }
        try (SSLSocket s = dial(h1, identity(FABRIC, "h0"))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            assertThatThrownBy(() -> TunnelHandshake.dial(in, out, "d-unknown", "h0", KEY)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void refuses_a_peer_that_holds_the_network_key_but_no_certificate_of_this_fabric() throws Exception {
        PrivateNetworks h1 = host("h1");
        FakeNic web0 = nic("d1/Web_IN_0");
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY)));
        await().atMost(Duration.ofSeconds(10)).until(web0::connected);
        String[] hostPort = h1.address().split(":");

        // the old protocol: plain TCP, the right key, then frames
        try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            assertThatThrownBy(() -> TunnelHandshake.dial(in, out, "d1", "h0", KEY)).isInstanceOf(IOException.class);
        }
        // TLS with a certificate another authority signed for a host of the same name
        CertificateAuthority other = CertificateAuthority.create("another controller", Instant.now());
        TlsCredentials foreign = other.credentialsFor("h0", Instant.now(), Duration.ofHours(1));
        assertThat(refused(h1, new TlsIdentity(new TlsCredentials(foreign.key(), foreign.certificate(), FABRIC.certificate())))).isTrue();
        // a valid certificate of this fabric, but for another host than the one it claims to be
        try (SSLSocket s = dial(h1, identity(FABRIC, "h0"))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            TunnelHandshake.dial(in, out, "d1", "h2", KEY);
            byte[] lie = FakeNic.frame(BROADCAST, MAC_1, "from a liar");
            FrameStream.write(out, lie, lie.length);
            assertThat(refused(s)).as("the liar's connection is closed").isTrue();
        } catch (IOException closed) {
            // closed before the frame was written: refused as well
        }
        assertThat(web0.received).isEmpty();
    }

    @Test
    void a_frame_injected_into_a_tunnel_by_someone_on_the_path_is_refused() throws Exception {
        PrivateNetworks h1 = host("h1");
        PrivateNetworks h2 = host("h2");
        FakeNic web0 = nic("d1/Web_IN_0");
        FakeNic web1 = nic("d1/Web_IN_1");
        PathBetween onPath = new PathBetween(h2.address());
        open.add(onPath);
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY, new PeerHost("h2", onPath.address()))));
        h2.apply(List.of(assignment("d1", 1, MAC_1, KEY, new PeerHost("h1", h1.address()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> web0.connected() && web1.connected());
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            web0.send(FakeNic.frame(BROADCAST, MAC_0, "hello"));
            return !web1.received.isEmpty();
        });

        // a well-formed tunnel frame, as the plain tunnels carried them, from Web_IN_0's address
        byte[] forged = FakeNic.frame(BROADCAST, MAC_0, "forged");
        java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
        FrameStream.write(framed, forged, forged.length);
        onPath.injectTowardsListener(framed.toByteArray());

        // the tunnel breaks on the bad record and comes back; the forged frame never reaches the instance
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            web0.send(FakeNic.frame(BROADCAST, MAC_0, "after"));
            return web1.received.stream().anyMatch(f -> FakeNic.text(f).equals("after"));
        });
        assertThat(web1.received.stream().map(FakeNic::text)).doesNotContain("forged");
        assertThat(onPath.connections()).as("the tunnel was dropped and dialed again").isGreaterThan(1);
    }

    private static SSLSocket dial(PrivateNetworks to, TlsIdentity as) throws IOException {
        String[] hostPort = to.address().split(":");
        SSLSocket s = (SSLSocket) as.sslContext().getSocketFactory().createSocket(hostPort[0], Integer.parseInt(hostPort[1]));
        s.setSoTimeout(10_000);
        s.startHandshake();
        // TLS 1.3 servers judge the client's certificate after the client thinks the handshake is done: a refusal shows on the first read
        return s;
    }

    /** The handshake failed, or the listener closed the connection or refused it with a TLS alert right after. */
    private static boolean refused(PrivateNetworks to, TlsIdentity as) {
        try (SSLSocket s = dial(to, as)) {
            return refused(s);
        } catch (IOException e) {
            return true;
        }
    }

    /** The peer closed the connection, or refused it with a TLS alert. */
    private static boolean refused(SSLSocket s) {
        try {
            return s.getInputStream().read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    private static TlsIdentity identity(CertificateAuthority authority, String host) {
        return new TlsIdentity(authority.credentialsFor(host, Instant.now(), Duration.ofHours(1)));
    }

    @Test
    void reconnects_to_a_nic_whose_vm_restarted() throws Exception {
        PrivateNetworks h1 = host("h1");
        FakeNic web0 = nic("d1/Web_IN_0");
        FakeNic web1 = nic("d1/Web_IN_1");
        h1.apply(List.of(assignment("d1", 0, MAC_0, KEY), assignment("d1", 1, MAC_1, KEY)));
        await().atMost(Duration.ofSeconds(10)).until(() -> web0.connected() && web1.connected());

        web1.close();
        java.nio.file.Files.delete(sockets.get("d1/Web_IN_1"));
        FakeNic restarted = new FakeNic(sockets.get("d1/Web_IN_1"));
        open.add(restarted);
        await().atMost(Duration.ofSeconds(10)).until(restarted::connected);

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            web0.send(FakeNic.frame(BROADCAST, MAC_0, "still there?"));
            return !restarted.received.isEmpty();
        });
        assertThat(FakeNic.text(restarted.next())).isEqualTo("still there?");
    }

    private boolean drainUntil(FakeNic nic, String text) throws InterruptedException {
        for (byte[] f = nic.next(); f != null; f = nic.next()) {
            if (FakeNic.text(f).equals(text)) return true;
        }
        return false;
    }

    private PrivateNetworks host(String name) throws IOException {
        PrivateNetworks n = new PrivateNetworks(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), identity(FABRIC, name),
                key -> Optional.ofNullable(sockets.get(key)));
        open.add(n);
        return n;
    }

    private FakeNic nic(String key) throws IOException {
        Path socket = dir.resolve(key.replace('/', '+') + ".sock");
        sockets.put(key, socket);
        FakeNic nic = new FakeNic(socket);
        open.add(nic);
        return nic;
    }

    private static Assignment assignment(String deploymentId, int index, String mac, String key, PeerHost... peers) {
        PrivateNetwork network = new PrivateNetwork("10.128.0." + (10 + index), 9, mac, List.of(), List.of(peers), key);
        return new Assignment(deploymentId, new InstanceName("Web", index), 1, 0, VmSize.ExtraSmall, "sample", 0, 0, Map.of(), List.of(),
                List.of(), network);
    }
}
