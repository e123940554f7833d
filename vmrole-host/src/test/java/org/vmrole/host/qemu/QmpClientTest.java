package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the QMP client against a real QEMU with no machine at all: fast, and no image needed. */
class QmpClientTest {
    @TempDir
    Path dir;
    private Process qemu;
    private QmpClient qmp;

    @BeforeEach
    void startQemu() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none",
                "-qmp", "unix:" + socket + ",server=on,wait=off").redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.out").toFile()).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket));
        qmp = QmpClient.connect(socket, Duration.ofSeconds(5));
    }

    @AfterEach
    void stopQemu() {
        if (qmp != null) qmp.close();
        qemu.destroyForcibly();
    }

    @Test
    void reads_the_greeting_and_answers_commands() {
        assertThat(qmp.greeting().path("version").path("qemu").path("major").asInt()).isGreaterThanOrEqualTo(7);
        assertThat(qmp.execute("query-status").path("status").asText()).isNotEmpty();
    }

    @Test
    void matches_replies_to_their_requests() throws Exception {
        CompletableFuture<JsonNode> status = qmp.send("query-status", Map.of());
        CompletableFuture<JsonNode> name = qmp.send("query-name", Map.of());
        CompletableFuture<JsonNode> version = qmp.send("query-version", Map.of());
        assertThat(version.get().has("qemu")).isTrue();
        assertThat(status.get().has("running")).isTrue();
        assertThat(name.get().isObject()).isTrue();
    }

    @Test
    void reports_an_error_reply_with_its_class_and_description() {
        assertThatThrownBy(() -> qmp.execute("no-such-command"))
                .isInstanceOf(QmpException.class).hasMessageContaining("CommandNotFound");
    }

    @Test
    void delivers_events_to_listeners() {
        List<String> events = new CopyOnWriteArrayList<>();
        qmp.addEventListener(e -> events.add(e.name()));
        qmp.execute("stop");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("STOP"));
    }

    @Test
    void fails_pending_calls_and_completes_closed_when_qemu_goes_away() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        qmp.addEventListener(e -> events.add(e.name()));
        qmp.execute("quit");
        qmp.closed().get();
        assertThat(events).contains("SHUTDOWN");
        assertThatThrownBy(() -> qmp.send("query-status", Map.of()).get())
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(QmpException.class);
    }
}
