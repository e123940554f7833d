package org.vmrole.storage;

import com.azure.data.tables.TableServiceClient;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.queue.QueueServiceClient;
import com.azure.storage.queue.QueueServiceClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A storage service on ephemeral ports over a temporary data directory, with SDK clients for it. */
final class RunningStorage implements AutoCloseable {
    final Path dataDir;
    final StorageService service;
    final StorageAccount account = StorageAccount.DEVELOPMENT;

    RunningStorage() {
        try {
            dataDir = Files.createTempDirectory("vmrole-storage-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        service = StorageService.start(StorageConfig.development(dataDir).withEphemeralPorts());
    }

    String connectionString() { return service.connectionString(account); }

    String blobEndpoint() { return "http://127.0.0.1:" + service.blobPort() + "/" + account.name(); }

    String queueEndpoint() { return "http://127.0.0.1:" + service.queuePort() + "/" + account.name(); }

    String tableEndpoint() { return "http://127.0.0.1:" + service.tablePort() + "/" + account.name(); }

    StorageSharedKeyCredential credential() {
        return new StorageSharedKeyCredential(account.name(), account.keys().getFirst());
    }

    BlobServiceClient blobs() {
        return new BlobServiceClientBuilder().connectionString(connectionString()).buildClient();
    }

    QueueServiceClient queues() {
        return new QueueServiceClientBuilder().connectionString(connectionString()).buildClient();
    }

    TableServiceClient tables() {
        return new TableServiceClientBuilder().connectionString(connectionString()).buildClient();
    }

    @Override
    public void close() {
        service.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
