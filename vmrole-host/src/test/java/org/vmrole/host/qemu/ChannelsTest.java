package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket plumbing on its own: line limits, QMP timeouts, the capped console log. */
class ChannelsTest {
    @TempDir
    Path dir;

    @Test
    void drops_lines_longer_than_the_limit_and_lines_that_are_not_json() throws Exception {
        Path socket = dir.resolve("agent.sock");
        List<JsonNode> got = new CopyOnWriteArrayList<>();
        try (UnixSocketPeer guest = new UnixSocketPeer(socket);
             JsonLineChannel channel = JsonLineChannel.open(socket, 64 * 1024, got::add, () -> { })) {
            char[] big = new char[70 * 1024];
            Arrays.fill(big, 'x');
            guest.write("{\"type\":\"hello\",\"pad\":\"" + new String(big) + "\"}\nnot json\n{\"type\":\"heartbeat\",\"status\":\"Ready\"}\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> !got.isEmpty());
            assertThat(got).singleElement().satisfies(m -> assertThat(m.path("type").asText()).isEqualTo("heartbeat"));
        }
    }

    @Test
    void a_command_without_an_answer_fails_after_the_timeout_and_pending_calls_fail_on_close() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        try (UnixSocketPeer qemu = new UnixSocketPeer(socket)) {
            CompletableFuture<QmpClient> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return QmpClient.connect(socket, Duration.ofMillis(300));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            qemu.write("{\"QMP\":{\"version\":{\"qemu\":{\"major\":7}},\"capabilities\":[]}}\r\n");
            await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(50)).untilAsserted(() -> {
                qemu.write("{\"return\":{},\"id\":\"vmrole-1\"}\r\n");
                assertThat(connecting).isDone();
            });
            QmpClient qmp = connecting.join();
            assertThatThrownBy(() -> qmp.execute("query-status")).isInstanceOf(QmpException.class).hasMessageContaining("no answer to 'query-status'");
            CompletableFuture<JsonNode> pending = qmp.send("query-status", Map.of());
            qemu.closeClient();
            assertThatThrownBy(pending::get).isInstanceOf(ExecutionException.class).hasMessageContaining("QMP connection closed");
            qmp.closed().get();
        }
    }

    @Test
    void the_console_log_rotates_once_full_and_never_grows_past_its_cap() throws Exception {
        Path socket = dir.resolve("console.sock");
        Path log = dir.resolve("console.log");
        try (UnixSocketPeer guest = new UnixSocketPeer(socket);
             ConsoleLog console = ConsoleLog.attach(socket, log, 10_000)) {
            byte[] line = "0123456789012345678901234567890123456789012345678\n".getBytes();
            for (int i = 0; i < 500; i++) guest.write(line);
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("console.log.1"))
                    && Files.size(log) + Files.size(dir.resolve("console.log.1")) > 10_000);
            guest.closeClient();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(Files.size(log)).isLessThanOrEqualTo(10_000);
                assertThat(Files.size(dir.resolve("console.log.1"))).isLessThanOrEqualTo(10_000);
            });
        }
    }
}
