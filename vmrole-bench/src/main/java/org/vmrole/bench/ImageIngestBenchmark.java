package org.vmrole.bench;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.vmrole.image.ImageLimits;
import org.vmrole.image.ImageRecord;
import org.vmrole.image.ImageRepository;
import org.vmrole.image.ImageUsage;
import org.vmrole.image.QemuImg;
import org.vmrole.image.Sha256;

/**
 * Image ingest against its floor, in one run: a 2 GiB raw disk (60% random, 10% repeated text, 30% zeros)
 * is ingested through the repository's upload API (hash while writing, fsync, inspect, qemu-img convert to
 * qcow2, hash the qcow2, store), and compared with {@code cp} + {@code qemu-img convert} of the same file on
 * the same disk (with and without fsync of the copies). Prints times, ratios and the peak heap in use.
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
        HeapSampler heap = new HeapSampler();
        heap.start();
        List<double[]> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double floorNoSync = floor(source, dir, false);
            double floorSync = floor(source, dir, true);
            heap.reset();
            double[] ingest = ingest(source, dir, sha);
            long peak = heap.peak();
            System.out.printf(Locale.ROOT, "round %d: floor cp+convert %.2f s; with fsync %.2f s; ingest %.2f s (upload %.2f s, commit %.2f s); "
                            + "ratio %.2f (vs fsync floor), %.2f (vs no-fsync floor); peak heap used %d MiB%n",
                    round, floorNoSync, floorSync, ingest[0], ingest[1], ingest[2], ingest[0] / floorSync, ingest[0] / floorNoSync, peak >> 20);
            results.add(new double[] {floorNoSync, floorSync, ingest[0], peak});
        }
        heap.interrupt();
        double medFloor = median(results, 1);
        double medFloorNoSync = median(results, 0);
        double medIngest = median(results, 2);
        System.out.printf(Locale.ROOT, "median: floor %.2f s (no fsync %.2f s), ingest %.2f s, ratio %.2f (%.2f vs no-fsync floor)%n",
                medFloor, medFloorNoSync, medIngest, medIngest / medFloor, medIngest / medFloorNoSync);
        System.out.println("load average at end: " + Files.readString(Path.of("/proc/loadavg")).trim());
        double bestFloor = results.stream().mapToDouble(r -> r[1]).min().orElseThrow();
        double bestFloorNoSync = results.stream().mapToDouble(r -> r[0]).min().orElseThrow();
        double bestIngest = results.stream().mapToDouble(r -> r[2]).min().orElseThrow();
        long peak = (long) results.stream().mapToDouble(r -> r[3]).max().orElseThrow();
        System.out.printf(Locale.ROOT, "best: floor %.2f s (no fsync %.2f s), ingest %.2f s, ratio %.2f (%.2f vs no-fsync floor), peak heap used %d MiB%n",
                bestFloor, bestFloorNoSync, bestIngest, bestIngest / bestFloor, bestIngest / bestFloorNoSync, peak >> 20);
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

    /** cp + qemu-img convert on the same disk; with fsync, both outputs are synced as the repository syncs its own. */
    private static double floor(Path source, Path dir, boolean fsync) throws IOException, InterruptedException {
        Path copy = dir.resolve("floor.raw");
        Path out = dir.resolve("floor.qcow2");
        Files.deleteIfExists(copy);
        Files.deleteIfExists(out);
        long t0 = System.nanoTime();
        run("cp", source.toString(), copy.toString());
        if (fsync) run("sync", copy.toString());
        run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", copy.toString(), out.toString());
        if (fsync) run("sync", out.toString());
        double s = (System.nanoTime() - t0) / 1e9;
        Files.deleteIfExists(copy);
        Files.deleteIfExists(out);
        return s;
    }

    private static double[] ingest(Path source, Path dir, String sha) throws IOException {
        Path root = dir.resolve("repo");
        deleteTree(root);
        ImageLimits limits = ImageLimits.defaults();
        ImageRepository repo = new ImageRepository(root, limits, QemuImg.fromPath(limits), ImageUsage.none(), Clock.systemUTC());
        long t0 = System.nanoTime();
        String id = repo.startUpload("bench", "disk");
        try (InputStream in = Files.newInputStream(source)) {
            repo.append(id, 0, in);
        }
        long t1 = System.nanoTime();
        ImageRecord rec = repo.commit(id, sha);
        long t2 = System.nanoTime();
        if (!rec.uploadDigest().equals(sha)) throw new IllegalStateException("ingest stored a different upload digest");
        deleteTree(root);
        return new double[] {(t2 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }

    /** 1 MiB blocks: 60% random, 10% repeated text (compressible, non-zero), 30% zeros left as holes. */
    private static void makeDisk(Path p, long mib) throws IOException {
        SplittableRandom rnd = new SplittableRandom(2026);
        ByteBuffer block = ByteBuffer.allocate(1 << 20);
        byte[] text = "vmrole benchmark disk: the quick brown fox jumps over the lazy dog. ".repeat(16).getBytes();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (long i = 0; i < mib; i++) {
                int kind = rnd.nextInt(10);
                block.clear();
                if (kind < 6) {
                    while (block.hasRemaining()) block.putLong(rnd.nextLong());
                } else if (kind < 7) {
                    while (block.remaining() >= text.length) block.put(text);
                } else {
                    continue;
                }
                block.flip();
                ch.write(block, i << 20);
            }
            ch.truncate(mib << 20);
            if (ch.size() < mib << 20) ch.write(ByteBuffer.wrap(new byte[1]), (mib << 20) - 1);
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed with exit code " + p.exitValue());
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var s = Files.walk(root)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
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
