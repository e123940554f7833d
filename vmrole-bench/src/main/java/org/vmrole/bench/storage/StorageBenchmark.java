package org.vmrole.bench.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.azure.core.util.BinaryData;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableServiceClient;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableTransactionAction;
import com.azure.data.tables.models.TableTransactionActionType;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueServiceClientBuilder;
import com.azure.storage.queue.models.QueueMessageItem;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of the storage scenario against vmrole's storage service and against Azurite, with the same
 * Azure SDK clients: large-blob throughput, small-blob, table and queue rates, the server's CPU per operation
 * (its own process, read from /proc), and each server's peak RSS. Both servers run side by side; after a warm-up
 * every phase runs twice, interleaved (vmrole, Azurite, vmrole, Azurite), so both see the same load window.
 * Usage: StorageBenchmark WORKDIR PATH_TO_AZURITE_JS [seconds-per-rate-test] [big-blob-MiB] [small]
 * ({@code small}: only the three small operations, 4 KiB puts, single inserts and queue cycles, each server
 * warmed until steady, see {@link #warmUntilSteady}). Every pass deletes what it created, so Azurite, which keeps
 * tables in memory and slows as they grow, starts each round as empty as vmrole.
 */
public final class StorageBenchmark {
    private static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final long BIG = 1L << 30;

    private StorageBenchmark() {}

    /** A storage server process under test. */
    private record Target(String name, Process process, int basePort) {
        String connectionString() {
            return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + KEY
                    + ";BlobEndpoint=http://127.0.0.1:" + basePort + "/devstoreaccount1"
                    + ";QueueEndpoint=http://127.0.0.1:" + (basePort + 1) + "/devstoreaccount1"
                    + ";TableEndpoint=http://127.0.0.1:" + (basePort + 2) + "/devstoreaccount1;";
        }

        /** The server's CPU time so far (user + kernel, all threads), in ms. */
        double cpuMs() throws IOException {
            String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; // clock ticks of 10 ms (USER_HZ 100)
        }

        /** CPU ms of the JVM's JIT compiler threads so far (0 where no thread is named so). */
        double compilerCpuMs() throws IOException {
            double ms = 0;
            try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        if (!stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).contains("CompilerThre")) continue;
                        String[] f = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
                        ms += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
                    } catch (java.nio.file.NoSuchFileException ended) {
                        // the thread ended between listing and reading
                    }
                }
            }
            return ms;
        }

        long peakRssKiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
            }
            return -1;
        }
    }

    public static void main(String[] args) throws Exception {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        Path work = Path.of(args[0]);
        Path azurite = Path.of(args[1]);
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        long big = args.length > 3 ? Long.parseLong(args[3]) << 20 : BIG;
        boolean small = args.length > 4 && args[4].equals("small");
        Files.createDirectories(work);
        Path bigFile = work.resolve("big.bin");
        Path warmFile = work.resolve("warm.bin");
        if (!small) {
            writeRandomFile(bigFile, big);
            writeRandomFile(warmFile, Math.min(big, 64L << 20));
        }

        List<Target> targets = List.of(startOurs(work.resolve("vmrole-data"), 21000), startAzurite(azurite, work.resolve("azurite-data"), 22000));
        Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
        try {
            // every workload once briefly first (JIT and caches warm, for both servers alike)
            for (Target t : targets) {
                if (small) warmUntilSteady(t, work);
                else measure(t, warmFile, Math.min(big, 64L << 20), work, 3, "warm", false);
            }
            for (int round = 1; round <= 2; round++) {
                for (Target t : targets) {
                    System.err.printf("round %d %s (load average %.1f)%n", round, t.name(), loadAverage());
                    results.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(measure(t, bigFile, big, work, seconds, "bench" + round, small));
                }
            }
            for (Target t : targets) {
                for (Map<String, Double> r : results.get(t.name())) r.put("peak RSS MiB", t.peakRssKiB() / 1024.0);
            }
        } finally {
            for (Target t : targets) {
                t.process().destroy();
                t.process().waitFor();
            }
        }
        double dd = small ? 0 : ddFsyncMBps(work.resolve("dd.bin"));
        print(results, big, dd, small);
    }

    /**
     * Warm-up passes of the small operations until the server is steady: two passes in a row that fail to bring the
     * CPU per operation, summed over the phases, 5 % below the best pass so far, and, where the JIT compiler threads
     * can be told apart (a JVM's; V8's share the name of Node's other threads), they spent less than 10 % of the
     * pass's CPU; 3-12 passes.
     */
    private static void warmUntilSteady(Target t, Path work) throws Exception {
        double best = Double.MAX_VALUE;
        int flat = 0;
        for (int pass = 1; pass <= 12; pass++) {
            double compiler0 = t.compilerCpuMs();
            double cpu0 = t.cpuMs();
            double total = measure(t, work, 0, work, 3, "warm" + pass, true).entrySet().stream()
                    .filter(e -> e.getKey().endsWith("server CPU ms/op")).mapToDouble(Map.Entry::getValue).sum();
            double compilerShare = (t.compilerCpuMs() - compiler0) / Math.max(1, t.cpuMs() - cpu0);
            System.err.printf("warm-up pass %d %s: %.3f ms CPU/op summed over the phases, %.0f%% of it in JIT compiler threads%n",
                    pass, t.name(), total, compilerShare * 100);
            flat = total < best * 0.95 ? 0 : flat + 1;
            best = Math.min(best, total);
            if (pass >= 3 && flat >= 2 && compilerShare < 0.10) return;
        }
    }

    private static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    private static Map<String, Double> measure(Target t, Path bigFile, long bigSize, Path work, int seconds, String prefix, boolean small)
            throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        String cs = t.connectionString();
        BlobContainerClient container = new BlobServiceClientBuilder().connectionString(cs).buildClient().createBlobContainer(prefix);
        if (!small) bigBlob(r, t, container, bigFile, bigSize, work);
        byte[] body = new byte[4096];
        rate(r, t, "4 KiB blob put", 16, seconds, (id, i) ->
                container.getBlobClient("small/" + id + "/" + i).upload(BinaryData.fromBytes(body)));

        TableServiceClient tables = new TableServiceClientBuilder().connectionString(cs).buildClient();
        TableClient table = tables.createTable(prefix);
        rate(r, t, "single table insert", 16, seconds, (id, i) ->
                table.createEntity(new TableEntity("s" + id, String.format("%09d", i)).addProperty("V", i).addProperty("S", "value " + i)));
        if (!small) batchesAndQuery(r, t, table, seconds);

        QueueClient queue = new QueueServiceClientBuilder().connectionString(cs).buildClient().createQueue(prefix);
        rate(r, t, "queue put+get+delete", 16, seconds, (id, i) -> {
            queue.sendMessage("message " + id + "-" + i);
            QueueMessageItem m = queue.receiveMessage();
            if (m != null) queue.deleteMessage(m.getMessageId(), m.getPopReceipt());
        });
        // not measured: the next pass starts from empty resources on both servers
        container.delete();
        tables.deleteTable(prefix);
        queue.delete();
        return r;
    }

    private static void bigBlob(Map<String, Double> r, Target t, BlobContainerClient container, Path bigFile, long bigSize, Path work)
            throws IOException {
        ParallelTransferOptions transfer = new ParallelTransferOptions().setBlockSizeLong(8L << 20).setMaxConcurrency(4).setMaxSingleUploadSizeLong(8L << 20);
        long t0 = System.nanoTime();
        container.getBlobClient("big.bin").uploadFromFile(bigFile.toString(), transfer, null, null, null, null, null);
        r.put("1 GiB upload MB/s", mbps(bigSize, System.nanoTime() - t0));
        Path down = work.resolve("down.bin");
        Files.deleteIfExists(down);
        t0 = System.nanoTime();
        container.getBlobClient("big.bin").downloadToFileWithResponse(new com.azure.storage.blob.options.BlobDownloadToFileOptions(down.toString())
                .setParallelTransferOptions(new com.azure.storage.common.ParallelTransferOptions().setBlockSizeLong(8L << 20).setMaxConcurrency(4)), null, null);
        r.put("1 GiB download MB/s", mbps(bigSize, System.nanoTime() - t0));
        if (Files.size(down) != bigSize) throw new IllegalStateException(t.name() + " returned " + Files.size(down) + " bytes");
        Files.delete(down);
        container.getBlobClient("big.bin").delete();
    }

    private static void batchesAndQuery(Map<String, Double> r, Target t, TableClient table, int seconds) throws InterruptedException, IOException {
        rate(r, t, "batch of 100 inserts", 4, seconds, (id, i) -> {
            List<TableTransactionAction> ops = new ArrayList<>(100);
            for (int k = 0; k < 100; k++) {
                ops.add(new TableTransactionAction(TableTransactionActionType.CREATE,
                        new TableEntity("b" + id + "-" + i, String.format("%03d", k)).addProperty("V", k).addProperty("S", "value " + k)));
            }
            table.submitTransaction(ops);
        });
        for (int b = 0; b < 10; b++) {
            List<TableTransactionAction> ops = new ArrayList<>(100);
            for (int k = 0; k < 100; k++) {
                ops.add(new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("query", String.format("%05d", b * 100 + k)).addProperty("V", k)));
            }
            table.submitTransaction(ops);
        }
        int rounds = 20;
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            long n = table.listEntities(new ListEntitiesOptions().setFilter("PartitionKey eq 'query'"), null, null).stream().count();
            if (n != 1000) throw new IllegalStateException(t.name() + " returned " + n + " rows");
        }
        r.put("1,000-row partition query, ms", (System.nanoTime() - t0) / 1e6 / rounds);
    }

    /** An operation a benchmark client repeats: (client id, iteration). */
    @FunctionalInterface
    private interface Op {
        void run(int id, long i) throws Exception;
    }

    /** Runs {@code op} from {@code clients} threads for {@code seconds}; records operations per second and the server's CPU ms per operation. */
    private static void rate(Map<String, Double> r, Target t, String name, int clients, int seconds, Op op) throws InterruptedException, IOException {
        double cpu0 = t.cpuMs();
        AtomicLong done = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(Thread.ofPlatform().start(() -> {
                for (long i = 0; !stop.get(); i++) {
                    try {
                        op.run(id, i);
                        done.incrementAndGet();
                    } catch (Exception e) {
                        System.err.println("benchmark operation failed: " + e);
                        return;
                    }
                }
            }));
        }
        Thread.sleep(Duration.ofSeconds(seconds));
        stop.set(true);
        for (Thread thread : threads) thread.join();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        r.put(name + ": ops/s (" + clients + " clients)", done.get() / elapsed);
        r.put(name + ": server CPU ms/op", (t.cpuMs() - cpu0) / Math.max(1, done.get()));
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    private static void writeRandomFile(Path f, long size) throws IOException {
        if (Files.exists(f) && Files.size(f) == size) return;
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long n = 0; n < size; n += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = rnd.nextLong();
                    for (int k = 0; k < 8; k++) buf[i + k] = (byte) (v >>> (8 * k));
                }
                out.write(buf);
            }
        }
    }

    private static Target startOurs(Path data, int port) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        // the JVM options `./vmrole storage` runs with (scripts/lib.sh exports them for the benchmark scripts)
        String product = System.getenv("VMROLE_STORAGE_JAVA_OPTS");
        if (product != null) for (String o : product.trim().split("\\s+")) if (!o.isEmpty()) command.add(o);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), OurStorageServer.class.getName(), data.toString(), String.valueOf(port)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        awaitLine(p, "READY");
        return new Target("vmrole", p, port);
    }

    private static Target startAzurite(Path azuriteJs, Path data, int port) throws IOException {
        Process p = new ProcessBuilder("node", azuriteJs.toString(), "--location", data.toString(), "--blobPort", String.valueOf(port),
                "--queuePort", String.valueOf(port + 1), "--tablePort", String.valueOf(port + 2), "--skipApiVersionCheck",
                "--disableTelemetry", "--loose").redirectErrorStream(true).start();
        awaitLine(p, "Azurite Table service is successfully listening");
        return new Target("Azurite", p, port);
    }

    private static void awaitLine(Process p, String marker) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains(marker)) {
                Thread drain = new Thread(() -> {
                    try {
                        out.lines().forEach(l -> { });
                    } catch (java.io.UncheckedIOException ended) {
                        // the server was stopped at the end of the run
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("server exited before printing '" + marker + "'");
    }

    private static double ddFsyncMBps(Path f) throws IOException, InterruptedException {
        Process dd = new ProcessBuilder("dd", "if=/dev/zero", "of=" + f, "bs=1M", "count=1024", "conv=fsync").redirectErrorStream(true).start();
        String out = new String(dd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        dd.waitFor();
        Files.deleteIfExists(f);
        System.out.println("dd: " + out.trim().replace('\n', ' '));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) bytes.*?, ([\\d.]+) s").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) / 1e6 / Double.parseDouble(m.group(2)) : -1;
    }

    /** One row per measure: both rounds of each server, and vmrole / Azurite per round. */
    private static void print(Map<String, List<Map<String, Double>>> results, long big, double dd, boolean small) {
        List<String> names = new ArrayList<>(results.keySet());
        System.out.println("| measure (round 1 / round 2) | " + String.join(" | ", names) + " | vmrole / Azurite |");
        System.out.println("|---|" + "---|".repeat(names.size() + 1));
        List<Map<String, Double>> a = results.get(names.get(0));
        List<Map<String, Double>> b = results.get(names.get(1));
        for (String key : a.getFirst().keySet()) {
            String label = key.replace("1 GiB", (big >> 20) + " MiB");
            String ratios = String.format("%.2f / %.2f", a.get(0).get(key) / b.get(0).get(key), a.get(1).get(key) / b.get(1).get(key));
            System.out.printf("| %s | %.2f / %.2f | %.2f / %.2f | %s |%n", label, a.get(0).get(key), a.get(1).get(key),
                    b.get(0).get(key), b.get(1).get(key), ratios);
        }
        if (!small) System.out.printf("| disk, dd bs=1M count=1024 conv=fsync, MB/s | %.1f | | |%n", dd);
    }
}
