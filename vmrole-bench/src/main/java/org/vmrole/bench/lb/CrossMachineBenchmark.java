package org.vmrole.bench.lb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vmrole.lb.Backend;
import org.vmrole.lb.BackendPool;
import org.vmrole.lb.EndpointSpec;
import org.vmrole.lb.InputEndpoint;
import org.vmrole.lb.LoadBalancer;
import org.vmrole.lb.ProbeSpec;

/**
 * The balancer between machines: a client machine sends keep-alive load to a backend on another machine, straight and
 * through a balancer on a third (its kernel path and its proxy), in one run. {@code scripts/bench-lb-machines.sh}
 * emulates the three machines with network namespaces and runs one role of this class in each.
 *
 * <p>Roles: {@code backend BIND_ADDRESS}; {@code balancer LISTEN_ADDRESS BACKEND_ADDRESS BACKEND_PORT [FAST_PATH_LISTEN_ADDRESS]} (a proxy endpoint and two
 * kernel-forwarded ones, the second with the eBPF fast path);
 * {@code client ROUNDS CONNECTIONS WARMUP_S SECONDS OTHER_PIDS NAME=ADDRESS:PORT...} (the first target is the direct
 * one the others are compared with; OTHER_PIDS are the backend's and the balancer's processes, whose CPU time is
 * counted with the client's). The backend and the balancer print one ready line, then serve until their standard
 * input closes.
 */
public final class CrossMachineBenchmark {

    /** USER_HZ, the unit of /proc/stat: 100 on Linux on x86. */
    private static final int CLOCK_TICKS_PER_SECOND = 100;

    private CrossMachineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "backend" -> {
                try (FastHttpBackend backend = new FastHttpBackend(1, new InetSocketAddress(args[1], 0))) {
                    System.out.println("backend ready port=" + backend.address().getPort());
                    System.out.flush();
                    awaitEndOfInput();
                }
            }
            case "balancer" -> balancer(args[1], new InetSocketAddress(args[2], Integer.parseInt(args[3])), args.length > 4 ? args[4] : args[1]);
            case "client" -> client(args);
            default -> {
                System.err.println("usage: CrossMachineBenchmark backend|balancer|client ... (see the class comment)");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    /**
     * A proxy TCP endpoint and a kernel-forwarded one through nftables alone on a second balancer, both on
     * {@code listen}, and one with the eBPF fast path on a third, on {@code fastListen} (another address of the machine,
     * so the other targets' packets pass the program's first check, the address, and are not looked up in connection
     * tracking). The fast path's port is 0 when it cannot run here (the third balancer's log says why).
     */
    private static void balancer(String listen, InetSocketAddress backend, String fastListen) throws IOException {
        LoadBalancer proxy = LoadBalancer.start(1);
        LoadBalancer kernel = LoadBalancer.start(1);
        LoadBalancer fast = LoadBalancer.start(1);
        try {
            int proxyPort = endpoint(proxy, listen, backend, "proxy").port();
            kernel.forwardInKernelWithoutFastPath();
            fast.forwardInKernel();
            InputEndpoint k = endpoint(kernel, listen, backend, "kernel");
            InputEndpoint f = endpoint(fast, fastListen, backend, "fastpath");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!kernel.forwardsInKernel(k) || !fast.forwardsInKernel(f)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the kernel never started forwarding to " + backend);
                Thread.onSpinWait();
            }
            // compiling the program takes a few seconds of CPU, which a spinning wait would take from it
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (fast.fastPathInterfaces().isEmpty() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
            int fastPort = fast.fastPathInterfaces().isEmpty() ? 0 : f.port();
            System.out.println("balancer ready proxy=" + proxyPort + " kernel=" + k.port() + " fastpath=" + fastPort);
            System.out.flush();
            awaitEndOfInput();
        } finally {
            fast.close();
            kernel.close();
            proxy.close();
        }
    }

    private static InputEndpoint endpoint(LoadBalancer lb, String listen, InetSocketAddress backend, String name) {
        BackendPool pool = lb.newPool(name, ProbeSpec.tcp());
        pool.setBackends(List.of(Backend.ready("backend", backend)));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pool.inRotation().isEmpty()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the backend " + backend + " never passed its probe");
            Thread.onSpinWait();
        }
        return lb.listen(EndpointSpec.tcp(name, 0).withBind(new InetSocketAddress(listen, 0)), pool);
    }

    /**
     * Rounds of every connection count and every target in turn (direct first), so the load of the moment touches all
     * of them alike. Per run: throughput, latency, how busy the machine was ({@code /proc/stat}), and the CPU time per
     * request of the benchmark's processes plus the kernel's softirq threads: every "machine" of the emulation shares
     * the two vCPUs, and the forwarding is softirq work, charged (tick accounting) to the process it interrupted or to
     * {@code ksoftirqd}; and the whole machine's busy time per request. On a busy machine the first misses the softirq
     * work done while another process or the idle task ran, and the second counts other processes' work: read the
     * second on a quiet machine. Then medians over the rounds, and the ratio each target's machine CPU per request
     * allows when the run is CPU-bound (direct's cost over the target's).
     */
    private static void client(String[] a) throws InterruptedException, IOException {
        int rounds = Integer.parseInt(a[1]);
        String[] connectionCounts = a[2].split(",");
        Duration warmup = Duration.ofSeconds(Long.parseLong(a[3]));
        Duration measure = Duration.ofSeconds(Long.parseLong(a[4]));
        List<Long> pids = new ArrayList<>(List.of(ProcessHandle.current().pid()));
        for (String pid : a[5].split(",")) pids.add(Long.parseLong(pid.strip()));
        pids.addAll(softirqThreads());
        Map<String, InetSocketAddress> targets = new LinkedHashMap<>();
        for (int i = 6; i < a.length; i++) {
            String[] t = a[i].split("=", 2);
            int colon = t[1].lastIndexOf(':');
            targets.put(t[0], new InetSocketAddress(t[1].substring(0, colon), Integer.parseInt(t[1].substring(colon + 1))));
        }
        LoadGenerator.CpuClock ours = () -> processNanos(pids);
        LoadGenerator.CpuClock machine = () -> machineTicks()[0] * 1e9 / CLOCK_TICKS_PER_SECOND;
        Map<String, List<Run>> byTarget = new LinkedHashMap<>();
        System.out.println("| round | connections | target | req/s | p50 µs | p99 µs | errors | machine busy | bench cpu/req µs | machine cpu/req µs | load average |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (int round = 1; round <= rounds; round++) {
            for (String c : connectionCounts) {
                int connections = Integer.parseInt(c.strip());
                for (var t : targets.entrySet()) {
                    long[] ticksBefore = machineTicks();
                    LoadGenerator.Result r = LoadGenerator.run(t.getKey(), t.getValue(), connections, 0, warmup, measure, ours, machine);
                    long[] ticksAfter = machineTicks();
                    double busy = (double) (ticksAfter[0] - ticksBefore[0]) / Math.max(1, ticksAfter[1] - ticksBefore[1]);
                    String load = loadAverage();
                    System.out.printf(Locale.ROOT, "| %d | %d | %s | %,.0f | %.1f | %.1f | %d | %.0f%% | %.1f | %.1f | %s |%n", round, connections, r.target(),
                            r.requestsPerSecond(), r.p50Micros(), r.p99Micros(), r.errors(), 100 * busy, r.loadCpuMicrosPerRequest(),
                            r.lbCpuMicrosPerRequest(), load);
                    byTarget.computeIfAbsent(connections + " " + t.getKey(), k -> new ArrayList<>()).add(new Run(r, busy));
                }
            }
        }
        System.out.println();
        System.out.println("Medians over " + rounds + " rounds (vs direct: the median of each round's ratio to that round's direct run):");
        System.out.println();
        System.out.println("| connections | target | req/s | vs direct | p50 µs | added p50 µs | machine busy | bench cpu/req µs | machine cpu/req µs | ratio that machine cpu/req allows |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (String c : connectionCounts) {
            int connections = Integer.parseInt(c.strip());
            List<Run> direct = byTarget.get(connections + " " + targets.keySet().iterator().next());
            for (String target : targets.keySet()) {
                List<Run> runs = byTarget.get(connections + " " + target);
                List<Double> ratio = new ArrayList<>();
                List<Double> added = new ArrayList<>();
                List<Double> allowed = new ArrayList<>();
                for (int i = 0; i < runs.size(); i++) {
                    LoadGenerator.Result r = runs.get(i).result();
                    LoadGenerator.Result d = direct.get(i).result();
                    ratio.add(r.requestsPerSecond() / d.requestsPerSecond());
                    added.add(r.p50Micros() - d.p50Micros());
                    allowed.add(d.lbCpuMicrosPerRequest() / r.lbCpuMicrosPerRequest());
                }
                boolean isDirect = runs == direct;
                System.out.printf(Locale.ROOT, "| %d | %s | %,.0f | %s | %.1f | %s | %.0f%% | %.1f | %.1f | %s |%n", connections, target,
                        median(runs.stream().map(r -> r.result().requestsPerSecond()).toList()),
                        isDirect ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * median(ratio)),
                        median(runs.stream().map(r -> r.result().p50Micros()).toList()),
                        isDirect ? "" : String.format(Locale.ROOT, "%+.1f", median(added)),
                        100 * median(runs.stream().map(Run::busy).toList()),
                        median(runs.stream().map(r -> r.result().loadCpuMicrosPerRequest()).toList()),
                        median(runs.stream().map(r -> r.result().lbCpuMicrosPerRequest()).toList()),
                        isDirect ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * median(allowed)));
            }
        }
    }

    /** The kernel's softirq threads ({@code ksoftirqd/N}), which do the forwarding that no process' system call finishes. */
    private static List<Long> softirqThreads() throws IOException {
        List<Long> pids = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    if (Files.readString(p.resolve("comm")).startsWith("ksoftirqd/")) pids.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException gone) {
                    // ended while we looked
                }
            }
        }
        return pids;
    }

    /** One measured run and the share of the machine's CPU time that was busy meanwhile. */
    private record Run(LoadGenerator.Result result, double busy) {
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Busy and total CPU time of the whole machine so far, in clock ticks (the first line of /proc/stat). */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal (guest time is counted in user already)
            long busy = 0;
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i != 4 && i != 5) busy += v;
            }
            return new long[] {busy, total};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CPU time (user + system) of the given processes so far, in nanoseconds. */
    private static double processNanos(List<Long> pids) {
        long ticks = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                // after "pid (comm) ": state is field 3, utime 14 and stime 15
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException gone) {
                return Double.NaN;
            }
        }
        return ticks * 1e9 / CLOCK_TICKS_PER_SECOND;
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static void awaitEndOfInput() throws IOException {
        while (System.in.read() >= 0) {
            // only the end of input matters
        }
    }
}
