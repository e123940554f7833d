package org.vmrole.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.host.qemu.BaseImages;
import org.vmrole.host.qemu.QemuDriver;
import org.vmrole.host.qemu.QemuSettings;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;

/**
 * Host driver boot overhead: boot-to-first-HTTP-200 of the sample image through {@link QemuDriver}
 * against a bare qemu-system-x86_64 command line booting the same image, and the host JVM's memory
 * per running VM. Prints figures for BENCHMARKS.md.
 *
 * <p>Run: {@code mvn -B -q -pl vmrole-bench -am test-compile exec...} or see BENCHMARKS.md.
 */
public final class BootOverheadScenario {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private BootOverheadScenario() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int vmsForMemory = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path image = SampleImage.ensure();
        Path work = Files.createTempDirectory("vmrole-bench");
        try {
            System.out.printf("sample image %s, accelerator %s, %d cores%n", image, QemuSettings.detectAccelerator(),
                    Runtime.getRuntime().availableProcessors());
            List<Long> bareHttp = new ArrayList<>(), driverHttp = new ArrayList<>(), driverReady = new ArrayList<>(), driverStart = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                bareHttp.add(BareBoot.toHttp(image, work.resolve("bare" + i)));
                long[] d = driver(image, work.resolve("drv" + i));
                driverHttp.add(d[0]);
                driverReady.add(d[1]);
                driverStart.add(d[2]);
                System.out.printf("run %d: bare %d ms to HTTP 200; driver %d ms to HTTP 200, %d ms to agent Ready (start() itself %d ms)%n",
                        i + 1, bareHttp.get(i), d[0], d[1], d[2]);
            }
            long bare = median(bareHttp), drv = median(driverHttp), ready = median(driverReady);
            System.out.printf("median boot to first HTTP 200: bare %d ms, driver %d ms, ratio %.3f (overhead %+.1f%%); driver to agent Ready %d ms;"
                    + " driver start() (overlay, config drive, daemonize, QMP) %d ms%n",
                    bare, drv, (double) drv / bare, 100.0 * (drv - bare) / bare, ready, median(driverStart));
            memory(image, work.resolve("mem"), vmsForMemory);
        } finally {
            deleteTree(work);
        }
    }

    /** @return {ms to first HTTP 200, ms to agent Ready, ms for start() to return}, all from the call to start */
    private static long[] driver(Path image, Path dir) throws Exception {
        QemuSettings settings = QemuSettings.defaults(dir, BaseImages.of(Map.of("sample", image)));
        int port = BareBoot.freePort();
        Assignment a = assignment(0, port);
        try (QemuDriver driver = new QemuDriver(settings)) {
            CompletableFuture<Long> ready = new CompletableFuture<>();
            long t0 = System.nanoTime();
            driver.addListener(o -> {
                if (o.state() == RoleState.ReadyRole) ready.complete((System.nanoTime() - t0) / 1_000_000);
            });
            driver.start(a);
            long started = (System.nanoTime() - t0) / 1_000_000;
            try {
                awaitHttp(port, null);
                long http = (System.nanoTime() - t0) / 1_000_000;
                return new long[] {http, ready.get(120, TimeUnit.SECONDS), started};
            } finally {
                driver.kill(a.key());
            }
        }
    }

    /** Heap and RSS of this JVM with N VMs running through the driver, against none. */
    private static void memory(Path image, Path dir, int n) throws Exception {
        QemuSettings settings = QemuSettings.defaults(dir, BaseImages.of(Map.of("sample", image)));
        try (QemuDriver driver = new QemuDriver(settings)) {
            long heap0 = HeapUse.afterGc(), rss0 = rssKiB();
            List<Assignment> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Assignment a = assignment(i, BareBoot.freePort());
                all.add(a);
                driver.start(a);
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (driver.observe().stream().anyMatch(o -> o.state() != RoleState.ReadyRole) && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            Thread.sleep(5000);
            long heap1 = HeapUse.afterGc(), rss1 = rssKiB();
            long qemuRss = 0;
            for (Assignment a : all) qemuRss += rssKiB(driver.pid(a.key()).orElseThrow());
            System.out.printf("memory with %d VMs Ready: host JVM heap +%.1f KiB per VM, host JVM RSS +%.1f MiB per VM; each QEMU's own RSS %.0f MiB%n",
                    n, (heap1 - heap0) / 1024.0 / n, (rss1 - rss0) / 1024.0 / n, qemuRss / 1024.0 / n);
            for (Assignment a : all) driver.kill(a.key());
        }
    }

    private static Assignment assignment(int index, int port) {
        return new Assignment("bench", new InstanceName("WebVM", index), 1, 0, VmSize.ExtraSmall, "sample", 0, 0, Map.of(),
                List.of(new EndpointBinding("HttpIn", "http", 80, port)), List.of());
    }

    private static void awaitHttp(int port, Process qemu) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (qemu != null && !qemu.isAlive()) throw new IllegalStateException("QEMU exited with " + qemu.exitValue());
            try {
                if (HTTP.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no HTTP 200 on port " + port + " within 3 minutes");
    }


    private static long rssKiB() throws IOException {
        return rssKiB(ProcessHandle.current().pid());
    }

    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    private static long median(List<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return v[v.length / 2];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
