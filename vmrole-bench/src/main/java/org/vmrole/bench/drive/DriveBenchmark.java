package org.vmrole.bench.drive;

import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.host.drive.PageBlobDisk;
import org.vmrole.host.nbd.NbdServer;
import org.vmrole.model.drive.FixedVhd;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of a drive seen from the host side: {@code qemu-img bench} against the NBD export of a
 * page blob, against the same workload on a local qcow2 overlay, and against the storage service's
 * own Put Page / ranged Get Blob rate (the same HTTP client and request sizes, no NBD in between).
 * The storage service and the NBD server run in this JVM; qemu-img is the client process.
 *
 * The drive is exported on the NBD server's Unix socket (as a host serves it to its VMs) and, for comparison, on a
 * loopback TCP server as well ("NBD tcp"); "NBD to memory" serves a direct buffer over the Unix socket: the NBD
 * server's own ceiling here.
 *
 * <p>Workloads: 1 MiB sequential, queue depth 8; 4 KiB scattered (offsets step 4099 x 4 KiB modulo
 * the disk, so every 4 KiB block is visited once in a non-sequential order), queue depth 16.
 *
 * <p>Usage: {@code DriveBenchmark WORKDIR [DISK_MIB [ROUNDS [WORKLOAD]]]}: WORKLOAD picks the workloads whose
 * name contains it (for example {@code "sequential read"}). Every round prints its row with the load average, so a
 * round taken while the machine was busier can be told apart, and with the CPU seconds per GB that the API, NBD and
 * NBD-to-memory columns cost (this JVM and the qemu-img children it waited for): where a column's time goes.
 */
public final class DriveBenchmark {
    private static final int MIB = 1 << 20;
    private static final long SCATTER_STEP = 4099L * 4096;
    private static final int PASSES = 4;

    private DriveBenchmark() {}

    record Workload(String name, int bufferSize, long step, int depth, boolean write) {
        /** Sequential reads go over the disk {@link #PASSES} times: one pass takes a second or less, which one burst of other work on a shared machine can halve. */
        long count(long diskBytes) {
            if (bufferSize < MIB) return Math.min(diskBytes / bufferSize, 8192);
            return diskBytes / bufferSize * (write ? 1 : PASSES);
        }
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        long disk = (args.length > 1 ? Long.parseLong(args[1]) : 512) * MIB;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        String only = args.length > 3 ? args[3] : "";
        Files.createDirectories(work);
        List<Workload> workloads = List.of(
                new Workload("sequential write 1 MiB", MIB, MIB, 8, true),
                new Workload("sequential read 1 MiB", MIB, MIB, 8, false),
                new Workload("4 KiB scattered write", 4096, SCATTER_STEP, 16, true),
                new Workload("4 KiB scattered read", 4096, SCATTER_STEP, 16, false))
                .stream().filter(w -> w.name().contains(only)).toList();
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        try (StorageService storage = StorageService.start(StorageConfig.development(work.resolve("storage")).withEphemeralPorts());
             NbdServer nbd = NbdServer.startUnix(work.resolve("nbd").resolve("drives.sock"));
             NbdServer tcp = NbdServer.start(InetAddress.getLoopbackAddress(), 0)) {
            BlobCredential key = new BlobCredential.SharedKey(StorageAccount.DEVELOPMENT.name(), StorageAccount.DEVELOPMENT.keys().getFirst());
            URI base = URI.create("http://127.0.0.1:" + storage.blobPort() + "/" + StorageAccount.DEVELOPMENT.name() + "/bench/");
            PageBlobClient drive = PageBlobClient.of(base.resolve("drive.vhd"), key);
            drive.createContainer();
            drive.create(disk + FixedVhd.FOOTER_BYTES);
            drive.writePages(disk, FixedVhd.footer(disk, java.time.Instant.now(), UUID.randomUUID()), 0, FixedVhd.FOOTER_BYTES, null);
            String lease = drive.acquireLease(-1, UUID.randomUUID().toString());
            PageBlobDisk device = PageBlobDisk.open(drive, () -> lease, 64L * MIB);
            nbd.export("bench", device);
            tcp.export("bench", device);
            nbd.export("memory", new MemoryDevice(disk));
            String nbdUrl = nbd.url("bench");

            PageBlobClient raw = PageBlobClient.of(base.resolve("raw"), key);
            raw.create(disk);

            Path baseImage = work.resolve("base.qcow2");
            Path overlay = work.resolve("overlay.qcow2");
            run("qemu-img", "create", "-q", "-f", "qcow2", baseImage.toString(), disk + "");
            run("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseImage.toString(), "-F", "qcow2", overlay.toString());

            // a read workload reads what was written: fill both blobs once when only reads are measured
            if (workloads.stream().noneMatch(Workload::write)) {
                Workload fill = new Workload("fill", MIB, MIB, 8, true);
                pageBlobRate(raw, fill, disk);
                qemuBench(nbdUrl, "raw", "writeback", fill, disk);
            }
            System.out.printf("%-6s %-26s %10s %10s %10s %10s %10s %8s %8s %10s %23s  %s%n", "round", "workload (MB/s)", "API", "NBD", "NBD tcp", "qcow2", "NBD-mem",
                    "NBD/API", "tcp/API", "API 4 MiB", "CPU s/GB A|N|T|M", "load average");
            // round 0 warms the JIT, the storage service's SQLite and the files and is not counted; the median of the rest is reported
            for (int round = 0; round < rounds; round++) {
                for (Workload w : workloads) {
                    // CPU seconds per GB of the JVM (storage service, NBD server, client) and its waited-for children (qemu-img)
                    double gb = w.count(disk) * (double) w.bufferSize() / 1e9;
                    double[] api = timed(() -> pageBlobRate(raw, w, disk));
                    // the two transports take turns going first, so neither always follows the API column; 4 KiB reads are
                    // measured on the Unix socket only: the second pass would find the first one's chunks in the drive's cache
                    double[] unix, overTcp = {Double.NaN, 0};
                    if (w.bufferSize() < MIB) {
                        unix = timed(() -> qemuBench(nbdUrl, "raw", "writeback", w, disk));
                    } else if (round % 2 == 0) {
                        unix = timed(() -> qemuBench(nbdUrl, "raw", "writeback", w, disk));
                        overTcp = timed(() -> qemuBench(tcp.url("bench"), "raw", "writeback", w, disk));
                    } else {
                        overTcp = timed(() -> qemuBench(tcp.url("bench"), "raw", "writeback", w, disk));
                        unix = timed(() -> qemuBench(nbdUrl, "raw", "writeback", w, disk));
                    }
                    double local = qemuBench(overlay.toString(), "qcow2", "none", w, disk);
                    double[] memory = timed(() -> qemuBench(nbd.url("memory"), "raw", "writeback", w, disk));
                    double pageBlob = api[0], overNbd = unix[0];
                    String cpu = String.format("%5.2f|%5.2f|%5.2f|%-5.2f", api[1] / gb, unix[1] / gb, overTcp[1] / gb, memory[1] / gb);
                    // the drive's read-ahead fetches 4 MiB windows: the API's rate at that GET size, for reference
                    String window = w.bufferSize() >= MIB && !w.write()
                            ? String.format("%10.1f", pageBlobRate(raw, new Workload("window", 4 * MIB, 4 * MIB, 2, false), disk)) : String.format("%10s", "-");
                    System.out.printf("%-6s %-26s %10.1f %10.1f %10.1f %10.1f %10.1f %7.0f%% %7.0f%% %s %23s  %s%n", round == 0 && rounds > 1 ? "warm" : round, w.name(),
                            pageBlob, overNbd, overTcp[0], local, memory[0], 100 * overNbd / pageBlob, 100 * overTcp[0] / pageBlob, window, cpu, loadAverage());
                    if (round > 0 || rounds == 1) rows.computeIfAbsent(w.name(), k -> new ArrayList<>()).add(new double[] {pageBlob, overNbd, local, memory[0], overTcp[0]});
                }
            }
            System.out.println("median of the counted rounds:");
            System.out.printf("%-26s %14s %14s %14s %14s %14s %10s %10s%n", "workload (MB/s)", "page blob API", "drive (NBD)", "drive (tcp)", "local qcow2",
                    "NBD to memory", "NBD/API", "tcp/API");
            rows.forEach((name, runs) -> {
                double api = median(runs, 0), over = median(runs, 1), local = median(runs, 2), memory = median(runs, 3), overTcp = median(runs, 4);
                System.out.printf("%-26s %14.1f %14.1f %14.1f %14.1f %14.1f %9.0f%% %9.0f%%%n", name, api, over, overTcp, local, memory, 100 * over / api,
                        100 * overTcp / api);
            });
            System.out.printf("read cache held %d MiB at the end (bound 64 MiB)%n", device.cachedBytes() / MIB);
        }
    }

    private interface Measured {
        double run() throws Exception;
    }

    /** The measurement and the CPU seconds it took: this JVM (storage service, NBD server, client) and the qemu-img children it waited for. */
    private static double[] timed(Measured m) throws Exception {
        double cpu = cpuSeconds();
        double value = m.run();
        return new double[] {value, cpuSeconds() - cpu};
    }

    /** User + system CPU of this process and of its children that were waited for ({@code /proc/self/stat}, 100 ticks a second). */
    private static double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14-17 of proc(5) (utime stime cutime cstime) are 11-14 after the command name
        long ticks = 0;
        for (int i = 11; i <= 14; i++) ticks += Long.parseLong(f[i]);
        return ticks / 100.0;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static double median(List<double[]> runs, int column) {
        double[] v = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** MB/s of qemu-img bench; the write runs end with a flush so the figure includes durability. */
    private static double qemuBench(String target, String format, String cache, Workload w, long disk) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "bench", "-f", format, "-t", cache, "-c", Long.toString(w.count(disk)),
                "-d", Integer.toString(w.depth()), "-s", Integer.toString(w.bufferSize()), "-S", Long.toString(w.step())));
        if (w.write()) cmd.addAll(List.of("-w", "--pattern=171", "--flush-interval=" + w.count(disk), "--no-drain"));
        cmd.add(target);
        long start = System.nanoTime();
        run(cmd.toArray(String[]::new));
        double seconds = (System.nanoTime() - start) / 1e9;
        return w.count(disk) * (double) w.bufferSize() / seconds / 1e6;
    }

    /** MB/s of Put Page / ranged Get Blob from {@code depth} threads over the same offsets. */
    private static double pageBlobRate(PageBlobClient blob, Workload w, long disk) throws Exception {
        long count = w.count(disk);
        byte[] data = new byte[w.bufferSize()];
        java.util.Arrays.fill(data, (byte) 0xab);
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(w.depth());
        long start = System.nanoTime();
        List<Future<?>> jobs = new ArrayList<>();
        for (int t = 0; t < w.depth(); t++) {
            jobs.add(pool.submit(() -> {
                // each thread reads into one buffer of its own: a fresh 1 MiB array per GET is a humongous allocation in G1 and
                // would charge the API column a cost that is the client's, not the storage service's
                byte[] into = new byte[w.bufferSize()];
                for (long i; (i = next.getAndIncrement()) < count; ) {
                    long offset = Math.floorMod(i * w.step(), disk);
                    if (w.write()) blob.writePages(offset, data, 0, data.length, null);
                    else blob.read(offset, data.length, into);
                }
                return null;
            }));
        }
        for (Future<?> j : jobs) j.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        return count * (double) w.bufferSize() / seconds / 1e6;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + out);
    }
}
