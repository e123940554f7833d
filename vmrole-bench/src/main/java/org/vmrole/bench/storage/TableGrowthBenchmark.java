package org.vmrole.bench.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableTransactionAction;
import com.azure.data.tables.models.TableTransactionActionType;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Grows one table to N entities (default 1,000,000) through vmrole's storage service with the Azure
 * SDK, printing at each step the insert rate, point-read latency and a 1,000-row partition query time,
 * to show whether rates stay flat as the table grows. Usage: TableGrowthBenchmark WORKDIR [N] [STEP]
 */
public final class TableGrowthBenchmark {
    private static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private TableGrowthBenchmark() {}

    public static void main(String[] args) throws Exception {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        Path work = Path.of(args[0]);
        long target = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
        long step = args.length > 2 ? Long.parseLong(args[2]) : 100_000;
        Path data = work.resolve("growth-data");
        Files.createDirectories(data);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), OurStorageServer.class.getName(), data.toString(), "23000")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY")) {
            System.out.println(line);
        }
        try {
            String cs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + KEY
                    + ";TableEndpoint=http://127.0.0.1:23002/devstoreaccount1;";
            TableClient table = new TableServiceClientBuilder().connectionString(cs).buildClient().createTable("growth");
            List<TableTransactionAction> q = new ArrayList<>();
            for (int b = 0; b < 10; b++) {
                q.clear();
                for (int k = 0; k < 100; k++) {
                    q.add(new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("query", String.format("%05d", b * 100 + k)).addProperty("V", k)));
                }
                table.submitTransaction(q);
            }
            System.out.println("| entities | batch inserts/s over the step | point read ms | 1,000-row partition query ms |");
            System.out.println("|---|---|---|---|");
            long inserted = 1000;
            long firstBatch = 0;
            while (inserted < target) {
                long t0 = System.nanoTime();
                long batches = step / 100;
                long base = firstBatch;
                AtomicLong next = new AtomicLong();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    clients.add(Thread.ofPlatform().start(() -> {
                        List<TableTransactionAction> ops = new ArrayList<>(100);
                        long i;
                        while ((i = next.getAndIncrement()) < batches) {
                            ops.clear();
                            String pk = partition(base + i);
                            for (int k = 0; k < 100; k++) {
                                ops.add(new TableTransactionAction(TableTransactionActionType.CREATE,
                                        new TableEntity(pk, String.format("%03d", k)).addProperty("V", k).addProperty("S", "some text " + k)));
                            }
                            table.submitTransaction(ops);
                        }
                    }));
                }
                for (Thread t : clients) t.join();
                firstBatch += batches;
                inserted += step;
                double rate = step / ((System.nanoTime() - t0) / 1e9);
                SplittableRandom rnd = new SplittableRandom(inserted);
                long r0 = System.nanoTime();
                for (int i = 0; i < 200; i++) {
                    table.getEntity(partition(rnd.nextLong(firstBatch)), String.format("%03d", rnd.nextInt(100)));
                }
                double pointMs = (System.nanoTime() - r0) / 1e6 / 200;
                long q0 = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    long rows = table.listEntities(new ListEntitiesOptions().setFilter("PartitionKey eq 'query'"), null, null).stream().count();
                    if (rows != 1000) throw new IllegalStateException("partition query returned " + rows);
                }
                double queryMs = (System.nanoTime() - q0) / 1e6 / 10;
                System.out.printf("| %,d | %.0f | %.2f | %.1f |%n", inserted, rate, pointMs, queryMs);
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    /** Partition keys spread over the key space, so inserts land all over the index as a real table's would. */
    private static String partition(long batch) {
        return String.format("%016x", new SplittableRandom(batch).nextLong());
    }
}
