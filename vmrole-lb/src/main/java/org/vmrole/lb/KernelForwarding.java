package org.vmrole.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this balancer's own nftables table in step with the rotation of its kernel-forwarded endpoints, so their
 * connections go from client to backend inside the kernel, as fast as a direct connection. Looks every 20 ms and
 * applies only changes. Needs CAP_NET_ADMIN and the {@code nft} command; tables left by balancers that died are
 * removed when one starts.
 */
final class KernelForwarding implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KernelForwarding.class);
    private static final String PREFIX = "vmrole_lb_";
    /** {@code vmrole_lb_<pid>_<process start, epoch seconds>_<n>}: a reused pid does not pass for the balancer that died. */
    private static final Pattern TABLE = Pattern.compile("^table ip (" + PREFIX + "(\\d+)_(\\d+)_\\d+)$", Pattern.MULTILINE);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long PERIOD_MILLIS = 20;

    private final String table;
    private final Supplier<List<ForwardingRules.Forward>> desired;
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("lb-kernel-forwarding").unstarted(r));
    /** What the table holds now; null until it was first written. */
    private volatile List<ForwardingRules.Forward> applied;
    /** Whether the table also forwards clients of other machines (this machine routes packets). */
    private boolean appliedOtherMachines;
    private boolean failing;

    private KernelForwarding(String table, Supplier<List<ForwardingRules.Forward>> desired) {
        this.table = table;
        this.desired = desired;
    }

    /**
     * Creates this balancer's table and starts following {@code desired}.
     *
     * @throws IllegalStateException saying what is missing when nft cannot run or is not permitted
     */
    static KernelForwarding start(Supplier<List<ForwardingRules.Forward>> desired) {
        removeTablesOfDeadProcesses();
        ProcessHandle self = ProcessHandle.current();
        KernelForwarding f = new KernelForwarding(PREFIX + self.pid() + "_" + startedAt(self) + "_" + SEQUENCE.incrementAndGet(), desired);
        f.sync();
        f.loop.scheduleWithFixedDelay(f::syncQuietly, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        return f;
    }

    String table() {
        return table;
    }

    /** Applies the desired rules now if they changed. */
    synchronized void sync() {
        List<ForwardingRules.Forward> forwards = desired.get();
        boolean otherMachines = routesPackets();
        if (forwards.equals(applied) && otherMachines == appliedOtherMachines) {
            return;
        }
        nft(ForwardingRules.render(table, forwards, otherMachines), "-f", "-");
        applied = forwards;
        appliedOtherMachines = otherMachines;
    }

    /**
     * {@code net.ipv4.ip_forward} is on: a connection from another machine may be sent on to a backend on a third.
     * Off, such clients stay with the proxy listener (the balancer does not change the machine's routing itself).
     */
    private static boolean routesPackets() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_forward")).strip().equals("1");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** True when the kernel now forwards connections to {@code listen} (it has backends in rotation). */
    boolean forwards(InetSocketAddress listen) {
        List<ForwardingRules.Forward> now = applied;
        return now != null && now.stream().anyMatch(f -> f.listen().equals(listen) && f.forwardable());
    }

    /**
     * True when the table in force sends no new connection to {@code backend} and the kernel holds none open to it;
     * false while either may still happen, or when connection tracking cannot be read.
     */
    boolean quiet(InetSocketAddress backend) {
        List<ForwardingRules.Forward> now = applied;
        if (now == null || now.stream().anyMatch(f -> f.backends().contains(backend))) {
            return false;
        }
        try {
            return Conntrack.openTo(backend) == 0;
        } catch (IllegalStateException unreadable) {
            return false;
        }
    }

    private void syncQuietly() {
        try {
            sync();
            if (failing) {
                log.info("kernel forwarding table {} is in step again", table);
            }
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("kernel forwarding table {} could not be updated (retrying every {} ms): {}", table, PERIOD_MILLIS, e.getMessage());
            }
            failing = true;
        }
    }

    /** Stops following and deletes the table: new connections then reach the proxy listeners. */
    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                nft("", "delete", "table", "ip", table);
            } catch (RuntimeException e) {
                log.warn("could not delete kernel forwarding table {}: {}", table, e.getMessage());
            }
        }
    }

    /**
     * A balancer killed without closing leaves its table, whose rules would forward to stale backends: removes the
     * tables of balancer processes that are gone. Best effort (each table in a transaction of its own, so two
     * balancers starting at once do not fail each other); returns how many it removed.
     */
    static int removeTablesOfDeadProcesses() {
        Matcher m = TABLE.matcher(nft("", "list", "tables", "ip"));
        int removed = 0;
        while (m.find()) {
            long pid = Long.parseLong(m.group(2));
            long started = Long.parseLong(m.group(3));
            boolean alive = ProcessHandle.of(pid).map(p -> startedAt(p) == started).orElse(false);
            if (alive) {
                continue;
            }
            try {
                nft("table ip " + m.group(1) + " {}\ndelete table ip " + m.group(1) + "\n", "-f", "-");
                removed++;
                log.info("removed kernel forwarding table {} of balancer process {}, which is gone", m.group(1), pid);
            } catch (IllegalStateException e) {
                log.warn("could not remove the kernel forwarding table {} of a balancer that is gone: {}", m.group(1), e.getMessage());
            }
        }
        return removed;
    }

    private static long startedAt(ProcessHandle p) {
        return p.info().startInstant().map(java.time.Instant::getEpochSecond).orElse(0L);
    }

    /** Runs nft with {@code input} on its stdin; returns its output. */
    private static String nft(String input, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("nft"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            // read on a thread of its own, so a hung nft is caught by the timeout below instead of blocking the read
            java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (InputStream o = p.getInputStream()) {
                    return new String(o.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e.getMessage() + ")";
                }
            }, r -> Thread.ofVirtual().start(r));
            try (OutputStream in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("nft " + String.join(" ", args) + " did not finish within 10 s");
            }
            String out = output.join();
            if (p.exitValue() != 0) {
                throw new IllegalStateException("nft " + String.join(" ", args) + " failed: " + out.strip()
                        + " (kernel forwarding needs root or CAP_NET_ADMIN)");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run nft (" + e.getMessage() + "): kernel forwarding needs the nftables package "
                    + "(apt-get install nftables)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while nft ran", e);
        }
    }
}
