package org.vmrole.host.drive;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Test classes that share one real storage service for all their tests. */
abstract class WithBlobService {
    @TempDir
    static Path dir;
    static RunningBlobService storage;

    @BeforeAll
    static void startStorage() {
        storage = new RunningBlobService(dir.resolve("storage"));
    }

    @AfterAll
    static void stopStorage() {
        storage.close();
    }
}
