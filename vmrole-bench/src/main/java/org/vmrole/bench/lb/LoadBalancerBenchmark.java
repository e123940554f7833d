package org.vmrole.bench.lb;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Requests/s and p50/p99 latency of the same keep-alive HTTP load sent straight to a fast backend and through
 * the load balancer (TCP endpoint, HTTP endpoint, HTTP endpoint with X-Forwarded-For), all on loopback.
 *
 * <p>Two placements: {@code shared} runs client, backend and balancer in this JVM on every CPU; {@code pinned} runs
 * the balancer in its own JVM pinned to {@code --lb-cpu}, as if it had a machine of its own, and pins this JVM
 * (client and backend) to {@code --load-cpu} for the direct and the balanced runs alike.
 *
 * <p>Arguments (all optional): {@code --connections 1,8 --rate 0 --warmup-seconds 3 --seconds 8 --rounds 2
 * --lb-threads 1 --backend-threads 1 --transport auto --busy-poll-us 0 --placement shared,pinned --lb-cpu 1
 * --load-cpu 0 --targets lb-tcp,lb-http,lb-http+xff}. {@code --rate} (requests/s over all connections) paces the load;
 * 0 runs closed loop, as fast as answers come. {@code --transport} is the balancer's: auto, epoll, io_uring or nio;
 * {@code --busy-poll-us} keeps its epoll loop polling that long after each event (meant for {@code pinned} only).
 */
public final class LoadBalancerBenchmark {

    private LoadBalancerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        List<Integer> connectionCounts = new ArrayList<>();
        for (String c : opts.getOrDefault("connections", "1,8").split(",")) {
            connectionCounts.add(Integer.parseInt(c.trim()));
        }
        int rate = Integer.parseInt(opts.getOrDefault("rate", "0"));
        Duration warmup = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("warmup-seconds", "3")));
        Duration measure = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("seconds", "8")));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "2"));
        int lbThreads = Integer.parseInt(opts.getOrDefault("lb-threads", "1"));
        int backendThreads = Integer.parseInt(opts.getOrDefault("backend-threads", "1"));
        String transport = opts.getOrDefault("transport", "auto");
        Duration busyPoll = Duration.ofNanos(1000 * Long.parseLong(opts.getOrDefault("busy-poll-us", "0")));
        List<String> placements = List.of(opts.getOrDefault("placement", "shared").split(","));
        for (String placement : placements) {
            if (!placement.equals("shared") && !placement.equals("pinned")) {
                throw new IllegalArgumentException("--placement '" + placement + "' not known: give shared, pinned or shared,pinned");
            }
        }
        Run run = new Run(connectionCounts, rate, warmup, measure, rounds, opts.get("targets"));

        try (FastHttpBackend backend = new FastHttpBackend(backendThreads)) {
            for (String placement : placements) {
                if (placement.equals("shared")) {
                    try (InProcessBalancer lb = new InProcessBalancer(backend.address(), lbThreads, transport, busyPoll)) {
                        System.out.printf(Locale.ROOT, "%n== shared: client, backend and balancer in one JVM on all %d CPUs%n",
                                Runtime.getRuntime().availableProcessors());
                        run.measure(backend.address(), lb.endpoints(), lbThreads, backendThreads, () -> Double.NaN);
                    }
                } else {
                    String lbCpu = opts.getOrDefault("lb-cpu", "1");
                    String loadCpu = opts.getOrDefault("load-cpu", "0");
                    String allCpus = CpuPinning.allowedCpus();
                    CpuPinning.pinThisProcess(loadCpu);
                    try (PinnedBalancer lb = new PinnedBalancer(backend.address(), Integer.parseInt(lbCpu), lbThreads, transport, busyPoll)) {
                        System.out.printf(Locale.ROOT, "%n== pinned: balancer in its own JVM on CPU %s; client and backend on CPU %s "
                                + "(direct runs too)%n", lbCpu, loadCpu);
                        run.measure(backend.address(), lb.endpoints(), lbThreads, backendThreads, lb::cpuNanos);
                    } finally {
                        CpuPinning.pinThisProcess(allCpus);
                    }
                }
            }
        }
    }

    /** One placement's rounds: direct and each balancer endpoint in turn, the same load each time. */
    private record Run(List<Integer> connectionCounts, int rate, Duration warmup, Duration measure, int rounds,
                       String wantedTargets) {

        void measure(InetSocketAddress backend, BalancerEndpoints lb, int lbThreads, int backendThreads,
                     LoadGenerator.CpuClock lbCpu) throws InterruptedException {
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            LoadGenerator.CpuClock thisJvm = os::getProcessCpuTime;
            Map<String, InetSocketAddress> targets = new LinkedHashMap<>();
            targets.put("direct", backend);
            targets.putAll(lb.targets());
            if (wantedTargets != null) {
                List<String> wanted = List.of(wantedTargets.split(","));
                targets.keySet().removeIf(name -> !name.equals("direct") && !wanted.contains(name.replace(' ', '-')));
            }
            System.out.printf(Locale.ROOT, "load balancer benchmark: transport %s, lb threads %d, backend threads %d, "
                            + "warm-up %ds, measure %ds, %d rounds%n", lb.transport(), lbThreads, backendThreads,
                    warmup.toSeconds(), measure.toSeconds(), rounds);
            for (int connections : connectionCounts) {
                Map<String, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
                for (int r = 0; r < rounds; r++) {
                    for (var t : targets.entrySet()) {
                        results.computeIfAbsent(t.getKey(), k -> new ArrayList<>())
                                .add(LoadGenerator.run(t.getKey(), t.getValue(), connections, rate, warmup, measure, thisJvm, lbCpu));
                    }
                }
                report(connections, rate, results);
            }
        }
    }

    private static void report(int connections, int rate, Map<String, List<LoadGenerator.Result>> results) {
        System.out.printf(Locale.ROOT, "%n%d keep-alive connection(s), %s%n", connections,
                rate > 0 ? "paced at " + rate + " requests/s" : "closed loop");
        System.out.printf(Locale.ROOT, "(medians over rounds; cpu/req: CPU time per request of this JVM, i.e. client and "
                + "backend, plus the balancer when shared; lb cpu/req: of the pinned balancer's JVM)%n"
                + "%-12s %12s %10s %10s %8s %10s %14s %11s %11s %7s%n",
                "target", "req/s", "p50 us", "p99 us", "errors", "vs direct", "added p50 us", "cpu/req us", "lb cpu us", "");
        double directRps = median(results.get("direct"), LoadGenerator.Result::requestsPerSecond);
        double directP50 = median(results.get("direct"), LoadGenerator.Result::p50Micros);
        for (var e : results.entrySet()) {
            double rps = median(e.getValue(), LoadGenerator.Result::requestsPerSecond);
            double p50 = median(e.getValue(), LoadGenerator.Result::p50Micros);
            double p99 = median(e.getValue(), LoadGenerator.Result::p99Micros);
            long errors = e.getValue().stream().mapToLong(LoadGenerator.Result::errors).sum();
            double cpu = median(e.getValue(), LoadGenerator.Result::loadCpuMicrosPerRequest);
            double lbCpu = median(e.getValue(), LoadGenerator.Result::lbCpuMicrosPerRequest);
            boolean lb = !e.getKey().equals("direct");
            String verdict = !lb ? "" : (rps >= 0.9 * directRps && p50 - directP50 < 100 ? "goal met" : "goal MISSED");
            System.out.printf(Locale.ROOT, "%-12s %12.0f %10.1f %10.1f %8d %9.1f%% %14s %11.1f %11s %7s%n", e.getKey(), rps,
                    p50, p99, errors, 100 * rps / directRps, lb ? String.format(Locale.ROOT, "%+.1f", p50 - directP50) : "",
                    cpu, lb && !Double.isNaN(lbCpu) ? String.format(Locale.ROOT, "%.1f", lbCpu) : "", verdict);
        }
    }

    /** The median over rounds: one round disturbed by another process on a shared machine does not move it. */
    private static double median(List<LoadGenerator.Result> runs, ToDoubleFunction<LoadGenerator.Result> f) {
        double[] values = runs.stream().mapToDouble(f).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("argument '" + args[i] + "' not understood: use --name value, e.g. --connections 1,8");
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }
}
