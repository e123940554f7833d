package org.vmrole.storage;

import java.nio.file.Path;
import java.util.List;

/** Where the storage service keeps its data, where it listens and which accounts it serves. */
public record StorageConfig(Path dataDir, String host, int blobPort, int queuePort, int tablePort,
                            List<StorageAccount> accounts) {

    public StorageConfig {
        if (dataDir == null) throw new IllegalArgumentException("dataDir is required: pass --data DIR");
        if (accounts == null || accounts.isEmpty()) throw new IllegalArgumentException("at least one storage account is required");
        accounts = List.copyOf(accounts);
    }

    /** The emulator layout: devstoreaccount1 on 127.0.0.1:10000/10001/10002. */
    public static StorageConfig development(Path dataDir) {
        return new StorageConfig(dataDir, "127.0.0.1", 10000, 10001, 10002, List.of(StorageAccount.DEVELOPMENT));
    }

    /** The same service on ports the OS picks (tests, embedding beside other listeners). */
    public StorageConfig withEphemeralPorts() {
        return new StorageConfig(dataDir, host, 0, 0, 0, accounts);
    }
}
