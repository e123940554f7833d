package org.vmrole.bench.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.azure.core.util.BinaryData;
import com.azure.data.tables.TableClient;
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
 * Azure SDK clients: large-blob throughput, small-blob, table and queue rates, and each server's peak RSS.
 * Usage: StorageBenchmark WORKDIR PATH_TO_AZURITE_JS [seconds-per-rate-test]
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
        Files.createDirectories(work);
        Path bigFile = work.resolve("big.bin");
        writeRandomFile(bigFile, BIG);

        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        Path ourData = work.resolve("vmrole-data");
        Target ours = startOurs(ourData, 21000);
        results.put("vmrole", run(ours, bigFile, work, seconds));
        ours.process().destroy();
        ours.process().waitFor();

        Path azData = work.resolve("azurite-data");
        Target az = startAzurite(azurite, azData, 22000);
        results.put("Azurite 3.35.0", run(az, bigFile, work, seconds));
        az.process().destroy();
        az.process().waitFor();

        double dd = ddFsyncMBps(work.resolve("dd.bin"));
        print(results, dd);
    }

    /** Runs every workload once briefly (JIT and caches warm, for both servers alike), then measures. */
    private static Map<String, Double> run(Target t, Path bigFile, Path work, int seconds) throws Exception {
        Path warmFile = work.resolve("warm.bin");
        writeRandomFile(warmFile, 64L << 20);
        measure(t, warmFile, 64L << 20, work, 3, "warm");
        return measure(t, bigFile, BIG, work, seconds, "bench");
    }

    private static Map<String, Double> measure(Target t, Path bigFile, long bigSize, Path work, int seconds, String prefix) throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        String cs = t.connectionString();
        BlobContainerClient container = new BlobServiceClientBuilder().connectionString(cs).buildClient().createBlobContainer(prefix);
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

        byte[] small = new byte[4096];
        r.put("4 KiB blob puts/s (16 clients)", rate(16, seconds, (id, i) ->
                container.getBlobClient("small/" + id + "/" + i).upload(BinaryData.fromBytes(small))));

        TableClient table = new TableServiceClientBuilder().connectionString(cs).buildClient().createTable(prefix);
        r.put("table inserts/s, single (16 clients)", rate(16, seconds, (id, i) ->
                table.createEntity(new TableEntity("s" + id, String.format("%09d", i)).addProperty("V", i).addProperty("S", "value " + i))));
        double batches = rate(4, seconds, (id, i) -> {
            List<TableTransactionAction> ops = new ArrayList<>(100);
            for (int k = 0; k < 100; k++) {
                ops.add(new TableTransactionAction(TableTransactionActionType.CREATE,
                        new TableEntity("b" + id + "-" + i, String.format("%03d", k)).addProperty("V", k).addProperty("S", "value " + k)));
            }
            table.submitTransaction(ops);
        });
        r.put("table inserts/s, batches of 100 (4 clients)", batches * 100);
        for (int b = 0; b < 10; b++) {
            List<TableTransactionAction> ops = new ArrayList<>(100);
            for (int k = 0; k < 100; k++) {
                ops.add(new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("query", String.format("%05d", b * 100 + k)).addProperty("V", k)));
            }
            table.submitTransaction(ops);
        }
        int rounds = 20;
        t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            long n = table.listEntities(new ListEntitiesOptions().setFilter("PartitionKey eq 'query'"), null, null).stream().count();
            if (n != 1000) throw new IllegalStateException(t.name() + " returned " + n + " rows");
        }
        r.put("1,000-row partition query, ms", (System.nanoTime() - t0) / 1e6 / rounds);

        QueueClient queue = new QueueServiceClientBuilder().connectionString(cs).buildClient().createQueue(prefix);
        r.put("queue put+get+delete cycles/s (16 clients)", rate(16, seconds, (id, i) -> {
            queue.sendMessage("message " + id + "-" + i);
            QueueMessageItem m = queue.receiveMessage();
            if (m != null) queue.deleteMessage(m.getMessageId(), m.getPopReceipt());
        }));
        r.put("peak RSS MiB", t.peakRssKiB() / 1024.0);
        return r;
    }

    /** An operation a benchmark client repeats: (client id, iteration). */
    @FunctionalInterface
    private interface Op {
        void run(int id, long i) throws Exception;
    }

    private static double rate(int clients, int seconds, Op op) throws InterruptedException {
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
        for (Thread t : threads) t.join();
        return done.get() / ((System.nanoTime() - t0) / 1e9);
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
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), OurStorageServer.class.getName(), data.toString(), String.valueOf(port))
                .redirectErrorStream(true).start();
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
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
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

    private static void print(Map<String, Map<String, Double>> results, double dd) {
        List<String> names = new ArrayList<>(results.keySet());
        System.out.println("| measure | " + String.join(" | ", names) + " | ratio |");
        System.out.println("|---|" + "---|".repeat(names.size() + 1));
        for (String key : results.get(names.get(0)).keySet()) {
            double a = results.get(names.get(0)).get(key);
            double b = results.get(names.get(1)).getOrDefault(key, Double.NaN);
            boolean lowerIsBetter = key.contains("ms") || key.contains("RSS");
            double ratio = lowerIsBetter ? b / a : a / b;
            System.out.printf("| %s | %.1f | %.1f | %.2fx%s |%n", key, a, b, ratio, lowerIsBetter ? " (lower is better)" : "");
        }
        System.out.printf("| disk, dd bs=1M count=1024 conv=fsync, MB/s | %.1f | | |%n", dd);
    }
}
