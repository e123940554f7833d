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

/** Two hosts' private networks on loopback, with QEMU's NIC sockets played by {@link FakeNic}s. */
class PrivateNetworksTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
    private static final String MAC_0 = "52:54:0a:80:00:0a";
    private static final String MAC_1 = "52:54:0a:80:00:0b";

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
        String[] hostPort = h1.address().split(":");

        try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            assertThatThrownBy(() -> TunnelHandshake.dial(in, out, "d1", "intruder", KEY.replace('a', 'b')))
                    .isInstanceOf(IOException.class).hasMessageContaining("does not hold the network key");
        }
        try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            assertThatThrownBy(() -> TunnelHandshake.dial(in, out, "d-unknown", "intruder", KEY)).isInstanceOf(IOException.class);
        }
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
        PrivateNetworks n = new PrivateNetworks(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
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
