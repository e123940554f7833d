package org.vmrole.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.vmrole.api.ManagementApi;
import org.vmrole.fabric.store.SqliteStore;

/** The whole platform in one process over one data directory: store, management API (and what hangs off it). */
public final class EmbeddedPlatform implements AutoCloseable {
    private final SqliteStore store;
    private final ManagementApi api;

    private EmbeddedPlatform(SqliteStore store, ManagementApi api) {
        this.store = store;
        this.api = api;
    }

    /** Settings of one embedded platform. */
    public record Settings(Path dataDir, String host, int apiPort, String adminKey) {}

    public static EmbeddedPlatform start(Settings s) throws IOException {
        Files.createDirectories(s.dataDir());
        SqliteStore store = SqliteStore.open(s.dataDir().resolve("store.db"));
        try {
            ManagementApi api = new ManagementApi(store, Clock.systemUTC(), s.adminKey(), List.of()).start(s.host(), s.apiPort());
            return new EmbeddedPlatform(store, api);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + api.port();
    }

    public Optional<String> firstAdministratorKey() {
        return api.firstAdministratorKey();
    }

    public ManagementApi api() { return api; }

    @Override
    public void close() {
        api.close();
        store.close();
    }
}
