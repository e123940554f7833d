package org.vmrole.bench.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * <p>Roles: {@code backend BIND_ADDRESS}; {@code balancer LISTEN_ADDRESS BACKEND_ADDRESS BACKEND_PORT};
 * {@code client BACKEND_ADDRESS BACKEND_PORT LB_ADDRESS PROXY_PORT KERNEL_PORT CONNECTIONS WARMUP_S SECONDS}. The
 * backend and the balancer print one ready line, then serve until their standard input closes.
 */
public final class CrossMachineBenchmark {

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
            case "balancer" -> balancer(args[1], new InetSocketAddress(args[2], Integer.parseInt(args[3])));
            case "client" -> client(args);
            default -> {
                System.err.println("usage: CrossMachineBenchmark backend|balancer|client ... (see the class comment)");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    /** A proxy TCP endpoint and, on a second balancer, a kernel-forwarded one, both on {@code listen}. */
    private static void balancer(String listen, InetSocketAddress backend) throws IOException {
        LoadBalancer proxy = LoadBalancer.start(1);
        LoadBalancer kernel = LoadBalancer.start(1);
        try {
            int proxyPort = endpoint(proxy, listen, backend, "proxy").port();
            kernel.forwardInKernel();
            InputEndpoint k = endpoint(kernel, listen, backend, "kernel");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!kernel.forwardsInKernel(k)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the kernel never started forwarding to " + backend);
                Thread.onSpinWait();
            }
            System.out.println("balancer ready proxy=" + proxyPort + " kernel=" + k.port());
            System.out.flush();
            awaitEndOfInput();
        } finally {
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

    private static void client(String[] a) throws InterruptedException {
        InetSocketAddress backend = new InetSocketAddress(a[1], Integer.parseInt(a[2]));
        Map<String, InetSocketAddress> targets = new LinkedHashMap<>();
        targets.put("direct", backend);
        targets.put("lb kernel", new InetSocketAddress(a[3], Integer.parseInt(a[5])));
        targets.put("lb proxy (tcp)", new InetSocketAddress(a[3], Integer.parseInt(a[4])));
        Duration warmup = Duration.ofSeconds(Long.parseLong(a[7]));
        Duration measure = Duration.ofSeconds(Long.parseLong(a[8]));
        System.out.println("| connections | target | req/s | p50 µs | p99 µs | errors | vs direct | added p50 µs |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String c : a[6].split(",")) {
            int connections = Integer.parseInt(c.strip());
            List<LoadGenerator.Result> results = new ArrayList<>();
            for (var t : targets.entrySet()) {
                results.add(LoadGenerator.run(t.getKey(), t.getValue(), connections, 0, warmup, measure, () -> Double.NaN, () -> Double.NaN));
            }
            LoadGenerator.Result direct = results.get(0);
            for (LoadGenerator.Result r : results) {
                boolean lb = r != direct;
                System.out.printf(Locale.ROOT, "| %d | %s | %,.0f | %.1f | %.1f | %d | %s | %s |%n", connections, r.target(), r.requestsPerSecond(),
                        r.p50Micros(), r.p99Micros(), r.errors(), lb ? String.format(Locale.ROOT, "%.1f%%", 100 * r.requestsPerSecond() / direct.requestsPerSecond()) : "",
                        lb ? String.format(Locale.ROOT, "%+.1f", r.p50Micros() - direct.p50Micros()) : "");
            }
        }
    }

    private static void awaitEndOfInput() throws IOException {
        while (System.in.read() >= 0) {
            // only the end of input matters
        }
    }
}
