package org.vmrole.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

    /** Every 50 syncs (about a second) the fast path is put on the interfaces there are now. */
    private static final int INTERFACE_SCAN_PERIOD = 50;

    private final String table;
    private final Supplier<List<ForwardingRules.Forward>> desired;
    private final boolean fastPathWanted;
    /** The eBPF fast path, once an endpoint serves other machines and it was prepared; null before. */
    private BpfFastPath fastPath;
    /** Its preparation (compiling takes seconds), off this loop so rotation changes go on meanwhile; null before. */
    private CompletableFuture<BpfFastPath> preparing;
    /** Why the fast path cannot run here (logged once); null while it can or was not tried. */
    private String fastPathUnavailable;
    private int syncs;
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("lb-kernel-forwarding").unstarted(r));
    /** What the table holds now; null until it was first written. */
    private volatile List<ForwardingRules.Forward> applied;
    /** Whether the table also forwards clients of other machines (this machine routes packets). */
    private boolean appliedOtherMachines;
    private boolean failing;

    private KernelForwarding(String table, Supplier<List<ForwardingRules.Forward>> desired, boolean fastPath) {
        this.table = table;
        this.desired = desired;
        this.fastPathWanted = fastPath;
    }

    /**
     * Creates this balancer's table and starts following {@code desired}.
     *
     * @throws IllegalStateException saying what is missing when nft cannot run or is not permitted
     */
    static KernelForwarding start(Supplier<List<ForwardingRules.Forward>> desired, boolean fastPath) {
        removeTablesOfDeadProcesses();
        ProcessHandle self = ProcessHandle.current();
        KernelForwarding f = new KernelForwarding(PREFIX + self.pid() + "_" + startedAt(self) + "_" + SEQUENCE.incrementAndGet(), desired, fastPath);
        f.sync();
        f.loop.scheduleWithFixedDelay(f::syncQuietly, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        return f;
    }

    String table() {
        return table;
    }

    /** Applies the desired rules now if they changed, and keeps the fast path in step with them. */
    synchronized void sync() {
        List<ForwardingRules.Forward> forwards = desired.get();
        boolean otherMachines = routesPackets();
        if (!forwards.equals(applied) || otherMachines != appliedOtherMachines) {
            nft(ForwardingRules.render(table, forwards, otherMachines), "-f", "-");
            applied = forwards;
            appliedOtherMachines = otherMachines;
        }
        if (fastPathWanted) {
            syncFastPath(FastPathPlan.of(forwards, otherMachines));
        }
    }

    /**
     * Puts the endpoints that serve other machines on the eBPF fast path: prepared when the first such endpoint comes,
     * on the interfaces there are (looked at again about every second). Where it cannot run, kernel forwarding goes on
     * through nftables alone, and the reason is logged once.
     */
    private void syncFastPath(FastPathPlan plan) {
        if (fastPathUnavailable != null || (fastPath == null && plan.isEmpty())) {
            return;
        }
        try {
            if (fastPath == null) {
                if (preparing == null) {
                    preparing = CompletableFuture.supplyAsync(() -> BpfFastPath.prepare(table), r -> Thread.ofVirtual().start(r));
                }
                if (!preparing.isDone()) {
                    return;
                }
                fastPath = preparing.join();
                syncs = 0;
            }
            if (syncs++ % INTERFACE_SCAN_PERIOD == 0) {
                fastPath.attachTo(BpfFastPath.forwardingInterfaces());
            }
            fastPath.apply(plan);
        } catch (RuntimeException e) {
            fastPathUnavailable = (e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).getMessage();
            log.info("kernel forwarding goes on without the eBPF fast path: {}", fastPathUnavailable);
            if (fastPath != null) {
                fastPath.close();
                fastPath = null;
            }
        }
    }

    /** The interfaces the eBPF fast path is on (none when it is off or cannot run here). */
    synchronized Set<String> fastPathInterfaces() {
        return fastPath == null ? Set.of() : fastPath.interfaces();
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
            if (fastPath == null && preparing != null) {
                // a preparation still running leaves a compiled program in a directory of its own: remove it when done
                preparing.thenAccept(BpfFastPath::close);
            }
            if (fastPath != null) {
                fastPath.close();
                fastPath = null;
            }
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
        int removed = BpfFastPath.removeLeftovers(KernelForwarding::alive);
        while (m.find()) {
            long pid = Long.parseLong(m.group(2));
            if (alive(pid, Long.parseLong(m.group(3)))) {
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

    /** The balancer process {@code pid} that started at {@code started} (epoch seconds) still runs: not a reused pid. */
    private static boolean alive(long pid, long started) {
        return ProcessHandle.of(pid).map(p -> startedAt(p) == started).orElse(false);
    }

    private static long startedAt(ProcessHandle p) {
        return p.info().startInstant().map(java.time.Instant::getEpochSecond).orElse(0L);
    }

    /** Runs nft with {@code input} on its stdin; returns its output. */
    private static String nft(String input, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("nft"));
        cmd.addAll(List.of(args));
        try {
            return Command.run(cmd, input, 10, "kernel forwarding needs the nftables package (apt-get install nftables)");
        } catch (Command.Failed e) {
            throw new IllegalStateException(e.getMessage() + " (kernel forwarding needs root or CAP_NET_ADMIN)", e);
        }
    }
}
