package org.vmrole.bench.fabric;

import org.vmrole.bench.BareBoot;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.HostHeartbeat;
import org.vmrole.model.host.HostJoin;

/**
 * The controller under heartbeats of many simulated hosts over HTTP: the platform runs in a child JVM (so its CPU and
 * memory are its own) with no hosts of its own; this JVM issues join tokens, joins the hosts and makes each beat once
 * a second. Prints heartbeats/s, latency, the controller's cores used and RSS for BENCHMARKS.md.
 *
 * <p>Run: {@code vmrole-bench/fabric-bench.sh heartbeats [hosts [seconds [in-flight]]]}.
 */
public final class HeartbeatLoadScenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARM_UP_SECONDS = 10;

    private HeartbeatLoadScenario() {
    }

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        Path work = Files.createTempDirectory("vmrole-heartbeats");
        byte[] secret = new byte[30];
        new SecureRandom().nextBytes(secret);
        String adminKey = "vmr_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        int port = BareBoot.freePort();
        String api = "http://127.0.0.1:" + port;
        Process server = ChildVmrole.start(work.resolve("server.log"), "1g", "server", "--data", work.resolve("data").toString(),
                "--port", String.valueOf(port), "--hosts", "0", "--admin-key", adminKey);
        Thread onInterrupt = new Thread(() -> stop(server, work), "heartbeats-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            System.out.printf("%d simulated hosts, %d s measured after %d s warm-up, at most %d requests in flight; %d cores, %s%n",
                    hosts, seconds, WARM_UP_SECONDS, inFlight, Runtime.getRuntime().availableProcessors(), ProcessTable.loadAverage());
            awaitApi(http, api, adminKey, server);
            long pid = server.pid();
            System.out.printf("controller JVM pid %d up: RSS %d MiB before any host%n", pid, ProcessTable.rssKiB(pid) / 1024);

            String[] tokens = new String[hosts];
            double cpu0 = ProcessTable.cpuSeconds(pid);
            long t0 = System.nanoTime();
            forEach(hosts, inFlight, i -> tokens[i] = JSON.readTree(send(http, post(api + "/hosts/" + name(i) + "/join-token", adminKey, new byte[0]), 201))
                    .get("joinToken").asText());
            report("join tokens issued", hosts, t0, pid, cpu0);

            cpu0 = ProcessTable.cpuSeconds(pid);
            t0 = System.nanoTime();
            forEach(hosts, inFlight, i -> send(http, post(api + "/hostlink/v1/join", tokens[i],
                    JSON.writeValueAsBytes(new HostJoin(name(i), i % 3, new HostCapacity(16, 65536, 500)))), 200));
            report("hosts joined", hosts, t0, pid, cpu0);

            long[] versions = new long[hosts];
            forEach(hosts, inFlight, i -> {
                String answer = send(http, post(api + "/hostlink/v1/heartbeat", tokens[i], beat(i, 0)), 0);
                versions[i] = answer.isEmpty() ? 0 : JSON.readTree(answer).path("version").asLong();
            });
            byte[][] bodies = new byte[hosts][];
            for (int i = 0; i < hosts; i++) bodies[i] = beat(i, versions[i]);

            HeartbeatLoad load = new HeartbeatLoad(http, api, tokens, bodies, inFlight);
            HeartbeatLoad.Result warm = load.run(WARM_UP_SECONDS);
            System.out.printf("warm-up: %.0f heartbeats/s, %d failed%n", warm.perSecond(), warm.failed());

            double serverCpu0 = ProcessTable.cpuSeconds(pid), selfCpu0 = ProcessTable.cpuSeconds(ProcessHandle.current().pid());
            long wall0 = System.nanoTime();
            HeartbeatLoad.Result r = load.run(seconds);
            double wall = (System.nanoTime() - wall0) / 1e9;
            double serverCores = (ProcessTable.cpuSeconds(pid) - serverCpu0) / wall;
            double selfCores = (ProcessTable.cpuSeconds(ProcessHandle.current().pid()) - selfCpu0) / wall;
            long rss = ProcessTable.rssKiB(pid);

            System.out.printf("%nheartbeats: %d sent, %d answered 204, %d answered 200, %d failed, in %.1f s: %.0f heartbeats/s (target %d/s); last beat left %.0f ms late%n",
                    r.sent(), r.noChange(), r.changed(), r.failed(), r.wallNanos() / 1e9, r.perSecond(), hosts, r.lastBeatLateNanos() / 1e6);
            System.out.printf("latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n", r.latencyMs(0.50), r.latencyMs(0.90), r.latencyMs(0.99), r.latencyMs(1.0));
            System.out.printf("controller: %.2f cores (%.3f cores per 1,000 heartbeats/s), RSS %d MiB; load generator (this JVM): %.2f cores%n",
                    serverCores, serverCores * 1000 / r.perSecond(), rss / 1024, selfCores);
            System.out.printf("hosts by status at the end: %s; %s%n", statuses(http, api, adminKey), ProcessTable.loadAverage());
        } finally {
            stop(server, work);
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
        }
    }

    private static byte[] beat(int host, long version) throws IOException {
        return JSON.writeValueAsBytes(new HostHeartbeat(name(host), version, List.of(), Map.of()));
    }

    private static String name(int i) {
        return String.format("sim-%05d", i);
    }

    private static void report(String what, int n, long t0, long pid, double cpu0) throws IOException {
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d %s in %.1f s (%.0f/s), controller CPU %.1f s%n", n, what, s, n / s, ProcessTable.cpuSeconds(pid) - cpu0);
    }

    private static Map<String, Integer> statuses(HttpClient http, String api, String adminKey) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(api + "/hosts")).header("Authorization", "Bearer " + adminKey).GET().build();
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode h : JSON.readTree(send(http, get, 200)).path("hosts")) counts.merge(h.path("status").asText(), 1, Integer::sum);
        return counts;
    }

    private static HttpRequest post(String url, String bearer, byte[] body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** Sends and returns the body; {@code expect} 0 accepts any 2xx. */
    private static String send(HttpClient http, HttpRequest req, int expect) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (expect == 0 ? r.statusCode() / 100 != 2 : r.statusCode() != expect) {
            throw new IOException(req.method() + " " + req.uri().getPath() + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** A step done for every host on virtual threads, at most {@code inFlight} at a time; the first failure stops the run. */
    private static void forEach(int n, int inFlight, Step step) throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            while (next.get() < n && failure.get() == null) {
                slots.acquire();
                int i = next.getAndIncrement();
                threads.submit(() -> {
                    try {
                        step.run(i);
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        if (failure.get() != null) throw failure.get();
    }

    @FunctionalInterface
    private interface Step {
        void run(int host) throws Exception;
    }

    private static void awaitApi(HttpClient http, String api, String adminKey, Process server) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(api + "/hosts")).header("Authorization", "Bearer " + adminKey).timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) throw new IllegalStateException("the controller JVM exited with " + server.exitValue() + "; see its log");
            try {
                if (http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the controller API at " + api + " did not answer within 2 minutes");
    }

    private static void stop(Process server, Path work) {
        server.destroy();
        try {
            if (!server.waitFor(10, TimeUnit.SECONDS)) server.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("cleanup: cannot delete " + work + ": " + e.getMessage());
        }
    }
}
