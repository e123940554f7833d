package org.vmrole.fabric.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store open() {
        return SqliteStore.open(dir.resolve("controller.db"), 20);
    }

    @Test
    void keeps_records_and_revision_across_reopening() {
        long rev = store.put("deployments/d1", "{\"a\":1}", Store.ABSENT);
        store.close();
        store = open();
        assertThat(store.revision()).isEqualTo(rev);
        assertThat(store.get("deployments/d1").orElseThrow().revision()).isEqualTo(rev);
        assertThat(store.put("x", "y", Store.ANY)).isEqualTo(rev + 1);
    }

    @Test
    void keeps_every_acknowledged_write_when_the_writer_is_killed() throws Exception {
        store.close();
        Path file = dir.resolve("killed.db");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), StoreWriterProcess.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.size() < 150 && (line = out.readLine()) != null) {
                if (line.startsWith("ack ")) acknowledged.add(line.substring(4));
            }
            writer.destroyForcibly();
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).hasSize(150);
        store = SqliteStore.open(file);
        for (String key : acknowledged) {
            assertThat(store.get(key)).as("acknowledged key %s", key).isPresent();
        }
        assertThat(store.revision()).isGreaterThanOrEqualTo(150);
    }
}
