package org.vmrole.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.vmrole.host.link.ControllerClient;
import org.vmrole.image.ImageCache;
import org.vmrole.image.ImageSource;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.HostJoin;
import org.vmrole.server.EmbeddedPlatform;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/**
 * One image's way through the platform, timed: the CLI's uploader sends a raw disk through the management API (start,
 * one streaming PUT, commit), then a host that joined with a token fetches it by digest over the host link into its
 * image cache (written, fsynced and verified against the digest, as a host does before it boots the image). One
 * measurement per JVM, so runs of two builds (images on the controller's disk; images in the Blob service) can be
 * interleaved by {@code vmrole-bench/image-transfer.sh}. Uses only what both builds have.
 *
 * <p>Usage: {@code ImageTransferBenchmark WORKDIR SIZE_MIB LABEL [raw|qcow2]}; prints one line of figures. With {@code qcow2}
 * the disk is sent as qemu-img made it from the raw one (as {@code image prepare} and most image builders hand it over).
 */
public final class ImageTransferBenchmark {
    private ImageTransferBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long mib = Long.parseLong(args[1]);
        String label = args[2];
        Path source = args.length > 3 && args[3].equals("qcow2") ? qcow2Source(dir, mib) : source(dir, mib);
        System.setProperty("vmrole.config.dir", dir.resolve("cli-" + label).toString());
        Path data = dir.resolve("platform-" + label);
        deleteTree(data);
        try (EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(data, "127.0.0.1", 0, null, 0))) {
            ApiClient tenant = tenant(platform);
            long t0 = System.nanoTime();
            double c0 = cpuSeconds();
            JsonNode image = new ImageUploader(tenant, new PrintWriter(new StringWriter(), true)).upload(source, "disk", null);
            double upload = (System.nanoTime() - t0) / 1e9;
            double uploadCpu = cpuSeconds() - c0;
            String digest = image.path("digest").asText();
            Thread.sleep(2_000);
            ControllerClient host = joinedHost(platform, "bench-host");
            long t1 = System.nanoTime();
            double c1 = cpuSeconds();
            Path cached = new ImageCache(data.resolve("host-cache"), host::image).get(digest);
            double fetch = (System.nanoTime() - t1) / 1e9;
            double fetchCpu = cpuSeconds() - c1;
            System.out.printf(Locale.ROOT, "%s: upload %.2f s (cpu %.2f s), host fetch %.2f s (cpu %.2f s) of %d MiB qcow2, load %s%n", label,
                    upload, uploadCpu, fetch, fetchCpu, Files.size(cached) >> 20, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } finally {
            deleteTree(data);
        }
    }

    /** A subscription admitted to the VM Role beta, as its tenant. */
    static ApiClient tenant(EmbeddedPlatform platform) throws IOException {
        ApiClient admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        admin.post("/subscriptions", Map.of("id", "bench", "displayName", "image transfer benchmark"));
        String key = admin.post("/subscriptions/bench/keys", Map.of("description", "benchmark")).get("key").asText();
        ApiClient tenant = new ApiClient(platform.apiUrl(), key);
        String request = tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "benchmark")).get("id").asText();
        admin.post("/beta/requests/" + request + "/approve", Map.of("note", "benchmark"));
        return tenant;
    }

    /** A host's link to the controller, joined with a fresh token, as a host agent has it. */
    static ControllerClient joinedHost(EmbeddedPlatform platform, String name) throws IOException, InterruptedException {
        ControllerClient host = new ControllerClient(URI.create(platform.apiUrl()), name, platform.joinToken(name));
        host.join(new HostJoin(name, 0, new HostCapacity(2, 1024, 10)));
        return host;
    }

    /** Fetches into a fresh cache folder; the seconds it took. */
    static double fetch(Path cacheDir, ImageSource source, String digest) throws IOException {
        deleteTree(cacheDir);
        long t = System.nanoTime();
        new ImageCache(cacheDir, source).get(digest);
        return (System.nanoTime() - t) / 1e9;
    }

    /** The benchmark's disk as a qcow2 written by qemu-img (made once). */
    static Path qcow2Source(Path dir, long mib) throws IOException, InterruptedException {
        Path raw = source(dir, mib);
        Path p = dir.resolve("source.qcow2");
        if (Files.exists(p) && Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(raw)) > 0) return p;
        Files.deleteIfExists(p);
        Process q = new ProcessBuilder("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), p.toString()).inheritIO().start();
        if (q.waitFor() != 0) throw new IOException("qemu-img convert of the benchmark disk failed");
        return p;
    }

    /** The benchmark's raw disk (made once): 1 MiB blocks, 60% random, 10% repeated text, 30% zeros left as holes. */
    static Path source(Path dir, long mib) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve("source.raw");
        if (Files.exists(p) && Files.size(p) == mib << 20) return p;
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
        return p;
    }

    /** utime + stime + cutime + cstime of this process from /proc/self/stat, in seconds (USER_HZ is 100 on Linux). */
    static double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = 0;
        for (int i = 11; i <= 14; i++) ticks += Long.parseLong(f[i]);
        return ticks / 100.0;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var s = Files.walk(root)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
