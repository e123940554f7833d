package org.vmrole.bench.lan;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.vmrole.host.lan.PrivateNetworks;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.PeerHost;
import org.vmrole.model.host.PrivateNetwork;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.TlsIdentity;
import java.time.Duration;
import java.time.Instant;

/**
 * How fast the private network carries full-size frames from one instance's NIC socket to another's: through one
 * host's switch, and through two hosts' switches and their TLS tunnel, against the same framed stream over a plain
 * loopback TCP connection (the floor any relay pays). One sender, one receiver, 1514-byte frames.
 *
 * <p>Usage: {@code PrivateNetworkBenchmark [SECONDS [ROUNDS]]}
 */
public final class PrivateNetworkBenchmark {
    private static final int FRAME = 1514;
    private static final String KEY = "bench-key-0123456789abcdef0123456789abcdef";
    private static final String MAC_A = "52:54:0a:80:00:0a";
    private static final String MAC_B = "52:54:0a:80:00:0b";

    private PrivateNetworkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            results.computeIfAbsent("loopback TCP (floor)", k -> new ArrayList<>()).add(direct(seconds));
            results.computeIfAbsent("same host (switch)", k -> new ArrayList<>()).add(throughNetworks(seconds, false));
            results.computeIfAbsent("two hosts (switch, tunnel, switch)", k -> new ArrayList<>()).add(throughNetworks(seconds, true));
        }
        double floor = median(results.get("loopback TCP (floor)"));
        System.out.printf("%-36s %12s %10s %10s%n", "path (" + FRAME + "-byte frames)", "frames/s", "MB/s", "vs floor");
        results.forEach((path, fps) -> {
            double m = median(fps);
            System.out.printf("%-36s %12.0f %10.1f %9.1f%%%n", path, m, m * FRAME / 1e6, 100 * m / floor);
        });
        System.out.printf("%n%-36s %10s %10s %10s%n", "round trip (" + FRAME + "-byte frame, echoed)", "p50 us", "p90 us", "p99 us");
        for (boolean twoHosts : new boolean[] {false, true}) {
            double[] rtt = roundTrips(twoHosts, 5_000 * rounds);
            System.out.printf("%-36s %10.1f %10.1f %10.1f%n", twoHosts ? "two hosts (switch, tunnel, switch)" : "same host (switch)", rtt[0], rtt[1], rtt[2]);
        }
    }

    /** One frame out, its echo back, one at a time: p50, p90 and p99 of the round trip in microseconds (after 500 unmeasured). */
    private static double[] roundTrips(boolean twoHosts, int count) throws Exception {
        return withNetworks(twoHosts, (a, b) -> {
            b.echo(frame(MAC_A, MAC_B));
            byte[] f = frame(MAC_B, MAC_A);
            long[] micros = new long[count];
            for (int i = -500; i < count; i++) {
                long seen = a.framesIn.get();
                long start = System.nanoTime();
                a.send(f);
                while (a.framesIn.get() == seen) Thread.onSpinWait();
                if (i >= 0) micros[i] = (System.nanoTime() - start) / 1_000;
            }
            java.util.Arrays.sort(micros);
            return new double[] {micros[count / 2], micros[count * 9 / 10], micros[count * 99 / 100]};
        });
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static byte[] frame(String dst, String src) {
        byte[] f = new byte[FRAME];
        String[] d = dst.split(":");
        String[] s = src.split(":");
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) Integer.parseInt(d[i], 16);
            f[6 + i] = (byte) Integer.parseInt(s[i], 16);
        }
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        return f;
    }

    /** The floor: the same framing over one loopback TCP connection, no switch. */
    private static double direct(int seconds) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicLong received = new AtomicLong();
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept()) {
                    NicEndpoint.countFrames(s.getInputStream(), received);
                } catch (IOException e) {
                    // the sender closed
                }
            });
            byte[] f = frame(MAC_B, MAC_A);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.setTcpNoDelay(true);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                return measure(seconds, received, () -> {
                    out.writeInt(f.length);
                    out.write(f);
                    out.flush();
                });
            } finally {
                reader.join(5_000);
            }
        }
    }

    private static double throughNetworks(int seconds, boolean twoHosts) throws Exception {
        return withNetworks(twoHosts, (a, b) -> {
            byte[] f = frame(MAC_B, MAC_A);
            return measure(seconds, b.framesIn, () -> a.send(f));
        });
    }

    private interface Between<T> {
        T run(NicEndpoint a, NicEndpoint b) throws Exception;
    }

    /** Two instances' NICs on one deployment's network, on one host or on two, each switch having learned where both are. */
    private static <T> T withNetworks(boolean twoHosts, Between<T> body) throws Exception {
        Path dir = Files.createTempDirectory("vmrole-lan-bench");
        Map<String, Path> sockets = new HashMap<>();
        sockets.put("d/Web_IN_0", dir.resolve("a.sock"));
        sockets.put("d/Web_IN_1", dir.resolve("b.sock"));
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (NicEndpoint a = new NicEndpoint(sockets.get("d/Web_IN_0")); NicEndpoint b = new NicEndpoint(sockets.get("d/Web_IN_1"));
             PrivateNetworks h1 = new PrivateNetworks("h1", loopback, identity("h1"), k -> Optional.ofNullable(sockets.get(k)));
             PrivateNetworks h2 = new PrivateNetworks("h2", loopback, identity("h2"), k -> Optional.ofNullable(sockets.get(k)))) {
            if (twoHosts) {
                h1.apply(List.of(assignment(0, MAC_A, new PeerHost("h2", h2.address()))));
                h2.apply(List.of(assignment(1, MAC_B, new PeerHost("h1", h1.address()))));
            } else {
                h1.apply(List.of(assignment(0, MAC_A), assignment(1, MAC_B)));
            }
            a.awaitConnected();
            b.awaitConnected();
            // b speaks first so that every switch on the way learns where it is; a answers once it heard it
            byte[] hello = frame("ff:ff:ff:ff:ff:ff", MAC_B);
            while (a.framesIn.get() == 0) {
                b.send(hello);
                Thread.sleep(50);
            }
            return body.run(a, b);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Sends for a second of warm-up, then counts what arrives while sending for {@code seconds}. */
    private static double measure(int seconds, AtomicLong received, Send send) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                while (running.get()) send.one();
            } catch (IOException e) {
                // the receiver went away
            }
        });
        Thread.sleep(1_000);
        long start = System.nanoTime();
        long before = received.get();
        Thread.sleep(seconds * 1_000L);
        long after = received.get();
        double elapsed = (System.nanoTime() - start) / 1e9;
        running.set(false);
        sender.join(5_000);
        return (after - before) / elapsed;
    }

    private interface Send {
        void one() throws IOException;
    }

    /** Both hosts hold certificates from one controller's authority, as after their joins. */
    private static final CertificateAuthority CONTROLLER = CertificateAuthority.create("bench controller", Instant.now());

    private static TlsIdentity identity(String host) {
        return new TlsIdentity(CONTROLLER.credentialsFor(host, Instant.now(), Duration.ofHours(1)));
    }

    private static Assignment assignment(int index, String mac, PeerHost... peers) {
        PrivateNetwork n = new PrivateNetwork("10.128.0." + (10 + index), 9, mac, List.of(), List.of(peers), KEY);
        return new Assignment("d", new InstanceName("Web", index), 1, 0, VmSize.ExtraSmall, "sample", 0, 0, Map.of(), List.of(), List.of(), n);
    }
}
