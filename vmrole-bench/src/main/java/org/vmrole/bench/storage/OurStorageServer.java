package org.vmrole.bench.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** The vmrole storage service in its own JVM, so the benchmark can measure its memory like Azurite's. */
public final class OurStorageServer {
    private OurStorageServer() {}

    public static void main(String[] args) throws InterruptedException {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        int base = Integer.parseInt(args[1]);
        StorageService service = StorageService.start(new StorageConfig(Path.of(args[0]), "127.0.0.1", base, base + 1, base + 2,
                List.of(StorageAccount.DEVELOPMENT)));
        System.out.println("READY " + service.blobPort());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
