package org.vmrole.storage;

import com.azure.core.util.BinaryData;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.data.tables.models.TableEntity;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueServiceClientBuilder;
import com.azure.storage.queue.models.QueueMessageItem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Kills the storage server with SIGKILL during a stream of writes and checks every acknowledged write survived. */
class CrashRecoveryTest {
    private Process server;
    private Path dataDir;

    @AfterEach
    void cleanUp() throws IOException {
        if (server != null) server.destroyForcibly();
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private int[] startServer() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        server = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), CrashTestServer.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("PORTS ")) {
                String[] p = line.split(" ");
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
                drain.setDaemon(true);
                drain.start();
                return new int[]{Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3])};
            }
        }
        throw new IllegalStateException("storage server exited before listening");
    }

    private static String connectionString(int[] ports) {
        StorageAccount a = StorageAccount.DEVELOPMENT;
        return "DefaultEndpointsProtocol=http;AccountName=" + a.name() + ";AccountKey=" + a.keys().getFirst()
                + ";BlobEndpoint=http://127.0.0.1:" + ports[0] + "/" + a.name()
                + ";QueueEndpoint=http://127.0.0.1:" + ports[1] + "/" + a.name()
                + ";TableEndpoint=http://127.0.0.1:" + ports[2] + "/" + a.name() + ";";
    }

    /** Blob content is a pure function of its name, so any blob found can be checked for being whole. */
    static byte[] contentOf(String name) {
        Random r = new Random(name.hashCode());
        byte[] data = new byte[1 + r.nextInt(1024 * 1024)];
        r.nextBytes(data);
        return data;
    }

    @Test
    void keeps_every_acknowledged_write_and_no_partial_blob_after_kill_9() throws Exception {
        dataDir = Files.createTempDirectory("vmrole-crash");
        int[] ports = startServer();
        String cs = connectionString(ports);
        BlobContainerClient container = new BlobServiceClientBuilder().connectionString(cs).buildClient().createBlobContainer("crash");
        TableClient table = new TableServiceClientBuilder().connectionString(cs).buildClient().createTable("Crash");
        QueueClient queue = new QueueServiceClientBuilder().connectionString(cs).buildClient().createQueue("crash");

        Set<String> ackedBlobs = ConcurrentHashMap.newKeySet();
        Set<String> ackedEntities = ConcurrentHashMap.newKeySet();
        Set<String> ackedMessages = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int id = w;
            writers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; running.get(); i++) {
                    String name = "w" + id + "/blob-" + i;
                    byte[] data = contentOf(name);
                    try {
                        container.getBlobClient(name).upload(new ByteArrayInputStream(data), data.length);
                        ackedBlobs.add(name);
                    } catch (RuntimeException e) {
                        if (running.get()) System.err.println("blob writer stopped before the kill: " + e);
                        return;
                    }
                }
            }));
        }
        writers.add(Thread.ofPlatform().start(() -> {
            for (int i = 0; running.get(); i++) {
                try {
                    table.createEntity(new TableEntity("p", String.format("%06d", i)).addProperty("V", i));
                    ackedEntities.add(String.format("%06d", i));
                } catch (RuntimeException e) {
                    if (running.get()) System.err.println("entity writer stopped before the kill: " + e);
                    return;
                }
            }
        }));
        writers.add(Thread.ofPlatform().start(() -> {
            for (int i = 0; running.get(); i++) {
                try {
                    queue.sendMessage("m" + i);
                    ackedMessages.add("m" + i);
                } catch (RuntimeException e) {
                    if (running.get()) System.err.println("queue writer stopped before the kill: " + e);
                    return;
                }
            }
        }));
        await().atMost(Duration.ofSeconds(120)).until(() -> ackedBlobs.size() >= 10 && ackedEntities.size() >= 100 && ackedMessages.size() >= 100);
        server.destroyForcibly().waitFor();
        running.set(false);
        for (Thread t : writers) t.join(Duration.ofSeconds(30));

        int[] again = startServer();
        String cs2 = connectionString(again);
        BlobContainerClient container2 = new BlobServiceClientBuilder().connectionString(cs2).buildClient().getBlobContainerClient("crash");
        Set<String> listed = new HashSet<>();
        for (BlobItem item : container2.listBlobs()) {
            listed.add(item.getName());
            byte[] stored = container2.getBlobClient(item.getName()).downloadContent().toBytes();
            assertThat(stored).as("blob " + item.getName() + " is whole").isEqualTo(contentOf(item.getName()));
        }
        assertThat(listed).containsAll(ackedBlobs);

        TableClient table2 = new TableServiceClientBuilder().connectionString(cs2).buildClient().getTableClient("Crash");
        Set<String> rows = new HashSet<>();
        table2.listEntities().forEach(e -> rows.add(e.getRowKey()));
        assertThat(rows).containsAll(ackedEntities);

        QueueClient queue2 = new QueueServiceClientBuilder().connectionString(cs2).buildClient().getQueueClient("crash");
        Set<String> messages = new HashSet<>();
        while (true) {
            List<QueueMessageItem> batch = queue2.receiveMessages(32, Duration.ofMinutes(5), null, null).stream().toList();
            if (batch.isEmpty()) break;
            batch.forEach(m -> messages.add(m.getBody().toString()));
        }
        assertThat(messages).containsAll(ackedMessages);
        System.out.printf("crash test: %d blobs, %d entities, %d messages acknowledged before kill -9; all present after restart%n",
                ackedBlobs.size(), ackedEntities.size(), ackedMessages.size());
        container2.getBlobClient("after-restart").upload(BinaryData.fromString("ok"));
    }
}
