package org.vmrole.storage;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Runs the storage service in its own JVM for the crash test and prints its ports; it never exits by itself. */
public final class CrashTestServer {
    private CrashTestServer() {}

    public static void main(String[] args) throws InterruptedException {
        StorageService service = StorageService.start(StorageConfig.development(Path.of(args[0])).withEphemeralPorts());
        System.out.println("PORTS " + service.blobPort() + " " + service.queuePort() + " " + service.tablePort());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
