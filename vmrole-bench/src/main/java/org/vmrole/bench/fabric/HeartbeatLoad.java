package org.vmrole.bench.fabric;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Simulated hosts beating once a second each over real HTTP, paced open-loop (host i beats at i/N of every second)
 * with at most {@code inFlight} requests outstanding: when the controller or this generator cannot keep up, beats
 * start late and the achieved rate falls below N/s instead of the requests piling up.
 */
final class HeartbeatLoad {
    /** What one run achieved: counts, wall time from the first send to the last answer, latencies, and how late the last beat left. */
    record Result(int sent, int noChange, int changed, int failed, long wallNanos, long[] latencyNanos, long lastBeatLateNanos) {
        double perSecond() {
            return (noChange + changed) * 1e9 / wallNanos;
        }

        double latencyMs(double quantile) {
            if (latencyNanos.length == 0) return Double.NaN;
            return latencyNanos[Math.min(latencyNanos.length - 1, (int) Math.floor(quantile * latencyNanos.length))] / 1e6;
        }
    }

    private final HttpClient http;
    private final URI heartbeat;
    private final String[] tokens;
    private final byte[][] bodies;
    private final int inFlight;

    HeartbeatLoad(HttpClient http, String apiUrl, String[] tokens, byte[][] bodies, int inFlight) {
        this.http = http;
        this.heartbeat = URI.create(apiUrl + "/hostlink/v1/heartbeat");
        this.tokens = tokens;
        this.bodies = bodies;
        this.inFlight = inFlight;
    }

    Result run(int seconds) throws InterruptedException {
        int hosts = tokens.length, total = hosts * seconds;
        long spacing = TimeUnit.SECONDS.toNanos(1) / hosts;
        long[] latency = new long[total];
        AtomicInteger noChange = new AtomicInteger(), changed = new AtomicInteger(), failed = new AtomicInteger(), done = new AtomicInteger();
        AtomicLong lastAnswer = new AtomicLong();
        Semaphore slots = new Semaphore(inFlight);
        long start = System.nanoTime(), late = 0;
        for (int n = 0; n < total; n++) {
            long due = start + n * spacing, wait = due - System.nanoTime();
            if (wait > 200_000) LockSupport.parkNanos(wait);
            slots.acquire();
            int host = n % hosts, index = n;
            late = System.nanoTime() - due;
            HttpRequest req = HttpRequest.newBuilder(heartbeat).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + tokens[host])
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(bodies[host])).build();
            long sentAt = System.nanoTime();
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                long now = System.nanoTime();
                if (e != null || r.statusCode() >= 300) {
                    failed.incrementAndGet();
                    latency[index] = -1;
                } else {
                    (r.statusCode() == 204 ? noChange : changed).incrementAndGet();
                    latency[index] = now - sentAt;
                }
                lastAnswer.accumulateAndGet(now, Math::max);
                done.incrementAndGet();
                slots.release();
            });
        }
        slots.acquire(inFlight);
        slots.release(inFlight);
        long[] ok = Arrays.stream(latency).filter(l -> l > 0).sorted().toArray();
        return new Result(total, noChange.get(), changed.get(), failed.get(), lastAnswer.get() - start, ok, late);
    }
}
