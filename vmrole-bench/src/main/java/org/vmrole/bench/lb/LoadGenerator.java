package org.vmrole.bench.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * HTTP/1.1 load over N keep-alive connections, each sending one GET and reading its whole fixed-size response
 * before the next, for a warm-up then a measured period. Closed loop (as fast as answers come) when the rate is
 * 0; otherwise each connection paces its share of the rate, so a run shows whether a target keeps up with an
 * offered load and at what latency.
 */
final class LoadGenerator {

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: vmrole-bench\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * What one run measured. The CPU figures are CPU time over the measured period divided by requests: of the
     * client-and-backend side and of the balancer's process (NaN where the balancer shares the first's process).
     */
    record Result(String target, int connections, long requests, long errors, double seconds, double p50Micros,
                  double p99Micros, double loadCpuMicrosPerRequest, double lbCpuMicrosPerRequest) {
        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /** CPU time consumed so far by one side of the test, in nanoseconds; NaN when it cannot be told apart. */
    interface CpuClock {
        double nanos();
    }

    private LoadGenerator() {
    }

    static Result run(String target, InetSocketAddress address, int connections, int ratePerSecond, Duration warmup,
                      Duration measure, CpuClock loadCpu, CpuClock lbCpu) throws InterruptedException {
        long intervalNanos = ratePerSecond <= 0 ? 0 : 1_000_000_000L * connections / ratePerSecond;
        long startAt = System.nanoTime();
        long measureFrom = startAt + warmup.toNanos();
        long stopAt = measureFrom + measure.toNanos();
        List<LatencyHistogram> histograms = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            LatencyHistogram h = new LatencyHistogram();
            histograms.add(h);
            threads.add(Thread.ofPlatform().name("load-" + c).start(() -> client(address, intervalNanos, measureFrom, stopAt, h, errors)));
        }
        sleepUntil(measureFrom);
        double loadFrom = loadCpu.nanos();
        double lbFrom = lbCpu.nanos();
        sleepUntil(stopAt);
        double loadUsed = loadCpu.nanos() - loadFrom;
        double lbUsed = lbCpu.nanos() - lbFrom;
        for (Thread t : threads) {
            t.join();
        }
        LatencyHistogram all = new LatencyHistogram();
        histograms.forEach(all::add);
        long requests = Math.max(1, all.count());
        return new Result(target, connections, all.count(), errors.get(), measure.toNanos() / 1e9,
                all.percentileMicros(0.50), all.percentileMicros(0.99), loadUsed / 1e3 / requests, lbUsed / 1e3 / requests);
    }

    private static void sleepUntil(long nanoTime) {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static void client(InetSocketAddress address, long intervalNanos, long measureFrom, long stopAt,
                               LatencyHistogram h, AtomicLong errors) {
        byte[] response = new byte[FastHttpBackend.RESPONSE.length];
        while (System.nanoTime() < stopAt) {
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(address, 2000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                long now = System.nanoTime();
                long nextSend = now;
                while (now < stopAt) {
                    if (intervalNanos > 0) {
                        nextSend += intervalNanos;
                        if (nextSend > now) {
                            LockSupport.parkNanos(nextSend - now);
                        }
                        now = System.nanoTime();
                    }
                    out.write(REQUEST);
                    if (in.readNBytes(response, 0, response.length) < response.length) {
                        throw new IOException("response cut short");
                    }
                    long done = System.nanoTime();
                    if (now >= measureFrom) {
                        h.record(done - now);
                    }
                    now = done;
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            }
        }
    }
}
