package org.vmrole.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.vmrole.image.ImageLimits;
import org.vmrole.image.ImageRecord;
import org.vmrole.image.ImageRepository;
import org.vmrole.image.ImageUsage;
import org.vmrole.image.QemuImg;
import org.vmrole.image.Sha256;
import org.vmrole.server.EmbeddedPlatform;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/**
 * Image ingest against its floor, in one run: a 2 GiB raw disk (60% random, 10% repeated text, 30% zeros)
 * is ingested through the repository's upload API (hash while writing it as qcow2, fsync, inspect, finish and
 * qemu-img check the qcow2, hash it, store) and through the management API over HTTP, and compared with {@code cp} +
 * {@code qemu-img convert} of the same file on the same disk, both fsynced. Rounds interleave the three so
 * the machine's load falls on all of them alike. Prints wall and CPU times, ratios and the peak heap in use.
 *
 * <p>Usage: {@code ImageIngestBenchmark [WORKDIR [SIZE_MIB [ROUNDS]]]}.
 */
public final class ImageIngestBenchmark {
    private ImageIngestBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/vmrole-bench-ingest");
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 2048;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Files.createDirectories(dir);
        Path source = dir.resolve("source.raw");
        if (!Files.exists(source) || Files.size(source) != mib << 20) makeDisk(source, mib);
        String sha = Sha256.ofFile(source); // the client's digest; also leaves the file equally cached for both sides
        System.out.printf(Locale.ROOT, "image: %s, %d MiB raw, %s%n", source, mib, sha);
        System.out.printf(Locale.ROOT, "sha-256 in this JVM: %.0f MB/s (256 MiB in memory, after warm-up)%n", shaThroughput() / 1e6);
        System.out.printf(Locale.ROOT, "jvm: %s, max heap %d MiB, %d cpus%n", Runtime.version(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());

        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.printf(Locale.ROOT, "a %d ms pause before each contender (freed memory goes back to the host first; see settle())%n", SETTLE_MILLIS);
        // the repository's "stored image" line splits commit into inspection, conversion and digest+fsync; its upload lines split append
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ImageRepository.class)).setLevel(ch.qos.logback.classic.Level.DEBUG);
        // the upload client remembers unfinished uploads under its config folder: keep that out of the user's home
        System.setProperty("vmrole.config.dir", dir.resolve("cli").toString());
        Path platformDir = dir.resolve("platform");
        deleteTree(platformDir);
        HeapSampler heap = new HeapSampler();
        heap.start();
        List<double[]> results = new ArrayList<>();
        try (HttpIngest http = HttpIngest.start(platformDir)) {
            for (int round = 1; round <= rounds; round++) {
                settle();
                Timing[] floorParts = floor(source, dir);
                Timing floor = floorParts[0];
                settle();
                heap.reset();
                Timing[] ingest = ingest(source, dir, sha);
                long peak = heap.peak();
                settle();
                heap.reset();
                Timing[] viaHttp = http.ingest(source, "disk-" + round);
                long peakHttp = heap.peak();
                System.out.printf(Locale.ROOT, "round %d (load %s): floor cp+sync+convert+sync %s (cp+sync %s, convert+sync %s); ingest %s (upload %s, commit %s), ratio %.2f, cpu ratio %.2f;"
                                + " via HTTP %s (start %s, send %s, commit %s), ratio %.2f, cpu ratio %.2f; peak heap used %d MiB (HTTP %d MiB)%n",
                        round, load(), floor, floorParts[1].wallText(), floorParts[2].wallText(), ingest[0], ingest[1].wallText(), ingest[2].wallText(), ingest[0].wall() / floor.wall(),
                        ingest[0].cpu() / floor.cpu(), viaHttp[0], viaHttp[1].wallText(), viaHttp[2].wallText(), viaHttp[3].wallText(), viaHttp[0].wall() / floor.wall(),
                        viaHttp[0].cpu() / floor.cpu(), peak >> 20, peakHttp >> 20);
                results.add(new double[] {floor.wall(), ingest[0].wall(), viaHttp[0].wall(), viaHttp[0].cpu(), floor.cpu(), ingest[0].cpu(),
                        ingest[0].wall() / floor.wall(), viaHttp[0].wall() / floor.wall(), Math.max(peak, peakHttp)});
            }
        }
        heap.interrupt();
        double medFloor = median(results, 0);
        double medIngest = median(results, 1);
        double medHttp = median(results, 2);
        System.out.printf(Locale.ROOT, "median: floor %.2f s, ingest %.2f s (ratio %.2f; median of round ratios %.2f), via HTTP %.2f s (ratio %.2f;"
                        + " median of round ratios %.2f); cpu: floor %.2f s, ingest %.2f s (ratio %.2f), via HTTP %.2f s (ratio %.2f)%n",
                medFloor, medIngest, medIngest / medFloor, median(results, 6), medHttp, medHttp / medFloor, median(results, 7),
                median(results, 4), median(results, 5), median(results, 5) / median(results, 4), median(results, 3), median(results, 3) / median(results, 4));
        long peak = (long) results.stream().mapToDouble(r -> r[8]).max().orElseThrow();
        System.out.printf(Locale.ROOT, "peak heap used %d MiB%n", peak >> 20);
        System.out.println("load average at end: " + Files.readString(Path.of("/proc/loadavg")).trim());
    }

    /**
     * Lets every contender start alike. This VM's balloon device reports freed memory to the host (virtio-balloon
     * free page reporting, after about 2 s), and touching such pages again costs system time: a `qemu-img convert`
     * of 2 GiB took 3.3-3.7 s writing into reported pages and 0.4-0.5 s into pages freed a moment before. Without
     * this pause whoever runs right after the previous one's deletions gets the warm pages.
     */
    private static void settle() throws InterruptedException {
        Thread.sleep(SETTLE_MILLIS);
    }

    private static final long SETTLE_MILLIS = 5_000;

    private static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    /** Wall-clock seconds and CPU seconds (this process and the children it waited for: cp, sync, qemu-img). */
    record Timing(double wall, double cpu) {
        String wallText() {
            return String.format(Locale.ROOT, "%.2f s", wall);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.2f s (cpu %.2f s)", wall, cpu);
        }
    }

    /** A stopwatch over wall time and CPU time. */
    private record Mark(long nanos, double cpu) {
        static Mark now() throws IOException {
            return new Mark(System.nanoTime(), cpuSeconds());
        }

        Timing until(Mark end) {
            return new Timing((end.nanos - nanos) / 1e9, end.cpu - cpu);
        }
    }

    private static double cpuSeconds() throws IOException {
        return ImageTransferBenchmark.cpuSeconds();
    }

    /** Bytes per second SHA-256 reaches on this machine now: the bound on hashing 2 GiB twice. */
    private static double shaThroughput() {
        var md = Sha256.newDigest();
        byte[] b = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(b);
        for (int i = 0; i < 256; i++) md.update(b);
        long t0 = System.nanoTime();
        for (int i = 0; i < 256; i++) md.update(b);
        md.digest();
        return (256.0 * (1 << 20)) / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** cp + qemu-img convert on the same disk, both outputs fsynced (sync FILE) as the repository fsyncs its own. */
    private static Timing[] floor(Path source, Path dir) throws IOException, InterruptedException {
        Path copy = dir.resolve("floor.raw");
        Path out = dir.resolve("floor.qcow2");
        Files.deleteIfExists(copy);
        Files.deleteIfExists(out);
        Mark t0 = Mark.now();
        run("cp", source.toString(), copy.toString());
        run("sync", copy.toString());
        Mark t1 = Mark.now();
        run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", copy.toString(), out.toString());
        run("sync", out.toString());
        Mark t2 = Mark.now();
        Files.deleteIfExists(copy);
        Files.deleteIfExists(out);
        return new Timing[] {t0.until(t2), t0.until(t1), t1.until(t2)};
    }

    private static Timing[] ingest(Path source, Path dir, String sha) throws IOException, InterruptedException {
        Path root = dir.resolve("repo");
        deleteTree(root);
        ImageLimits limits = ImageLimits.defaults();
        // the repository keeps images in a Blob service: the real storage service on this machine, as the platform runs it
        org.vmrole.storage.StorageAccount account = new org.vmrole.storage.StorageAccount(org.vmrole.image.ImageBlobs.PLATFORM_ACCOUNT,
                java.util.List.of(java.util.Base64.getEncoder().encodeToString("the image benchmark's account key".getBytes())));
        org.vmrole.storage.StorageService storage = org.vmrole.storage.StorageService.start(new org.vmrole.storage.StorageConfig(
                root.resolve("storage"), "127.0.0.1", 0, 0, 0, java.util.List.of(account)));
        ImageRepository repo = new ImageRepository(root, limits, QemuImg.fromPath(limits), ImageUsage.none(), Clock.systemUTC(),
                org.vmrole.image.ImageBlobs.connect(java.net.URI.create("http://127.0.0.1:" + storage.blobPort() + "/" + account.name()),
                        new org.vmrole.model.blob.BlobCredential.SharedKey(account.name(), account.keys().getFirst())));
        try {
        Mark t0 = Mark.now();
        String id = repo.startUpload("bench", "disk");
        try (InputStream in = Files.newInputStream(source)) {
            repo.append(id, 0, in);
        }
        Mark t1 = Mark.now();
        ImageRecord rec = repo.commit(id, sha);
        Mark t2 = Mark.now();
        if (!rec.uploadDigest().equals(sha)) throw new IllegalStateException("ingest stored a different upload digest");
        // the upload's bytes are deleted after commit answers; as with the floor's files, not timed, but not overlapping what comes next
        repo.awaitCleanup();
        return new Timing[] {t0.until(t2), t0.until(t1), t1.until(t2)};
        } finally {
            storage.close();
            deleteTree(root);
        }
    }

    private static void makeDisk(Path p, long mib) throws IOException {
        Files.move(ImageTransferBenchmark.source(p.getParent().resolve("made"), mib), p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed with exit code " + p.exitValue());
    }

    private static void deleteTree(Path root) throws IOException {
        ImageTransferBenchmark.deleteTree(root);
    }

    /**
     * The same ingest through the management API: an embedded platform with no hosts on a free port, a subscription
     * admitted to the VM Role beta, and the CLI's uploader (send the file while hashing it, commit with the SHA-256).
     */
    private static final class HttpIngest implements AutoCloseable {
        private final EmbeddedPlatform platform;
        private final ApiClient tenant;

        private HttpIngest(EmbeddedPlatform platform, ApiClient tenant) {
            this.platform = platform;
            this.tenant = tenant;
        }

        static HttpIngest start(Path dir) throws IOException {
            EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir, "127.0.0.1", 0, null, 0));
            String adminKey = platform.firstAdministratorKey().orElseThrow(() -> new IllegalStateException(dir + " already has an administrator"));
            ApiClient admin = new ApiClient(platform.apiUrl(), adminKey);
            admin.post("/subscriptions", Map.of("id", "bench", "displayName", "image ingest benchmark"));
            String key = admin.post("/subscriptions/bench/keys", Map.of("description", "benchmark")).get("key").asText();
            ApiClient tenant = new ApiClient(platform.apiUrl(), key);
            String request = tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "benchmark")).get("id").asText();
            admin.post("/beta/requests/" + request + "/approve", Map.of("note", "benchmark"));
            return new HttpIngest(platform, tenant);
        }

        /** Total; starting the upload; sending the file (hashed as it goes); the commit (verify, finish or convert, store). The image is deleted afterwards. */
        Timing[] ingest(Path source, String name) throws IOException, InterruptedException {
            UploadPhase phase = new UploadPhase();
            Mark t0 = Mark.now();
            JsonNode image = new ImageUploader(tenant, new PrintWriter(phase, true)).upload(source, name, null);
            Mark t3 = Mark.now();
            if (phase.sending == null || phase.committing == null) throw new IllegalStateException("the uploader did not report its phases");
            if (image.path("name").isMissingNode()) throw new IllegalStateException("the API did not answer an image: " + image);
            platform.images().awaitCleanup();
            platform.images().delete("bench", name);
            return new Timing[] {t0.until(t3), t0.until(phase.sending), phase.sending.until(phase.committing), phase.committing.until(t3)};
        }

        @Override
        public void close() {
            platform.close();
        }
    }

    /** Swallows the uploader's progress output, noting when it starts sending the file and when it commits. */
    private static final class UploadPhase extends Writer {
        volatile Mark sending;
        volatile Mark committing;

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            String text = new String(buf, off, len);
            if (sending == null && text.contains("uploading")) sending = Mark.now();
            if (committing == null && text.contains("verifying")) committing = Mark.now();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    /** Samples heap in use every 20 ms; the peak is what the ingest needed (plus whatever garbage was not yet collected). */
    private static final class HeapSampler extends Thread {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final AtomicLong peak = new AtomicLong();

        HeapSampler() {
            setDaemon(true);
            setName("heap-sampler");
        }

        void reset() {
            System.gc();
            peak.set(memory.getHeapMemoryUsage().getUsed());
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
