package org.vmrole.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd cluster of 1 or 3 members (Debian's {@code etcd-server}) on free loopback ports, never 2379/2380 where a
 * system etcd may run; data in a temporary folder. Tests kill and restart members; {@link #close()} kills them all and
 * removes the folder, and a shutdown hook does the same when a test JVM dies before closing it.
 */
public final class EtcdCluster implements AutoCloseable {
    public static final Path ETCD = Path.of("/usr/bin/etcd");

    private final Path dir;
    private final List<Member> members;
    private final Process[] processes;
    private final Thread cleanup;
    private Client client;

    private record Member(String name, String address, int clientPort, int peerPort) {
        String clientUrl() {
            return "http://" + address + ":" + clientPort;
        }

        String peerUrl() {
            return "http://" + address + ":" + peerPort;
        }
    }

    private final String address;
    private final List<String> limits;

    private EtcdCluster(Path dir, String address, List<Member> members, List<String> limits) {
        this.dir = dir;
        this.address = address;
        this.limits = limits;
        this.members = members;
        this.processes = new Process[members.size()];
        this.cleanup = new Thread(this::destroy, "etcd-cluster-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Starts {@code size} members and waits until the cluster has a leader and answers. */
    public static EtcdCluster start(int size) {
        return start(size, "127.0.0.1");
    }

    /** The same, listening on {@code address} (one of this machine's, e.g. a bridge that emulated machines reach it on). */
    public static EtcdCluster start(int size, String address) {
        return start(size, address, List.of("--max-txn-ops", "10000"));
    }

    /** Members with etcd's own limits, as a cluster an operator did not tune has (128 operations per transaction). */
    public static EtcdCluster startAsShipped(int size) {
        return start(size, "127.0.0.1", List.of());
    }

    private static EtcdCluster start(int size, String address, List<String> limits) {
        if (!Files.isExecutable(ETCD)) {
            throw new IllegalStateException(ETCD + " is missing: the etcd store's tests run a real etcd; install it with apt-get install etcd-server");
        }
        try {
            Path dir = Files.createTempDirectory("vmrole-etcd-");
            List<Member> members = new ArrayList<>();
            List<Integer> ports = freePorts(2 * size);
            for (int i = 0; i < size; i++) members.add(new Member("m" + i, address, ports.get(2 * i), ports.get(2 * i + 1)));
            EtcdCluster cluster = new EtcdCluster(dir, address, members, limits);
            try {
                for (int i = 0; i < size; i++) cluster.startMember(i);
                cluster.awaitQuorum(Duration.ofSeconds(60));
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code etcd://127.0.0.1:P1,...}: every member, as the server's {@code --store} takes it. */
    public String url() {
        return "etcd://" + String.join(",", members.stream().map(m -> address + ":" + m.clientPort()).toList());
    }

    public EtcdAddress address() {
        return EtcdAddress.parse(url());
    }

    /** A client of every member, made on first use and closed with the cluster. */
    public synchronized Client client() {
        if (client == null) client = address().connect();
        return client;
    }

    public int size() {
        return members.size();
    }

    /** Starts member {@code i} (again): a restarted member keeps its data folder and rejoins the cluster. */
    public synchronized void startMember(int i) {
        if (processes[i] != null && processes[i].isAlive()) return;
        Member m = members.get(i);
        String initial = String.join(",", members.stream().map(o -> o.name() + "=" + o.peerUrl()).toList());
        try {
            Path log = dir.resolve(m.name() + ".log");
            List<String> command = new ArrayList<>(List.of(ETCD.toString(), "--name", m.name(), "--data-dir", dir.resolve(m.name()).toString(),
                    "--listen-client-urls", m.clientUrl(), "--advertise-client-urls", m.clientUrl(),
                    "--listen-peer-urls", m.peerUrl(), "--initial-advertise-peer-urls", m.peerUrl(),
                    "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", dir.getFileName().toString(),
                    "--heartbeat-interval", "100", "--election-timeout", "1000"));
            command.addAll(limits);
            processes[i] = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd member " + m.name(), e);
        }
    }

    /** Kills member {@code i} with SIGKILL, as a machine that dies. */
    public synchronized void killMember(int i) {
        Process p = processes[i];
        if (p == null) return;
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes[i] = null;
    }

    /** Stops every member with SIGSTOP: etcd as a machine beyond a cut link, which answers nothing and refuses nothing. */
    public synchronized void freeze() {
        signalAll("-STOP");
    }

    /** Lets frozen members run on (SIGCONT). */
    public synchronized void thaw() {
        signalAll("-CONT");
    }

    private void signalAll(String signal) {
        for (Process p : processes) {
            if (p == null) continue;
            try {
                int exit = new ProcessBuilder("kill", signal, Long.toString(p.pid())).inheritIO().start().waitFor();
                if (exit != 0) throw new IllegalStateException("kill " + signal + " " + p.pid() + " exited with " + exit);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Waits until a write through every running member's client port succeeds. */
    public void awaitQuorum(Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        RuntimeException last = null;
        try (Client client = address().connect()) {
            while (Instant.now().isBefore(deadline)) {
                try {
                    client.getKVClient().put(ByteSequence.from("/etcd-cluster/ready", StandardCharsets.UTF_8), ByteSequence.EMPTY).get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    last = new IllegalStateException(e);
                    for (int i = 0; i < processes.length; i++) {
                        Process p = processes[i];
                        if (p != null && !p.isAlive()) throw new IllegalStateException("etcd member m" + i + " exited (" + p.exitValue() + "): " + tail(i));
                    }
                }
            }
        }
        throw new IllegalStateException("etcd cluster in " + dir + " did not answer within " + limit + ": " + tail(0), last);
    }

    private String tail(int member) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(members.get(member).name() + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports.add(s.getLocalPort());
            }
            return ports;
        } finally {
            for (ServerSocket s : held) s.close();
        }
    }

    private synchronized void destroy() {
        if (client != null) client.close();
        client = null;
        for (int i = 0; i < processes.length; i++) killMember(i);
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the etcd cluster's folder " + dir, e);
        }
    }

    /** Kills every member and removes the data folder. */
    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
