package org.vmrole.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandTest {

    @TempDir
    Path dir;

    @Test
    void answers_the_output_of_a_command_that_succeeds() {
        assertThat(Command.run(List.of("cat"), "hello", 10, "install coreutils")).isEqualTo("hello");
    }

    @Test
    void a_failing_command_is_refused_with_its_output() {
        assertThatThrownBy(() -> Command.run(List.of("sh", "-c", "echo no such table >&2; exit 1"), "", 10, "install sh"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed: no such table");
    }

    @Test
    void an_interrupted_command_has_ended_when_run_returns_so_it_cannot_act_after_its_caller_moved_on() throws Exception {
        Path pid = dir.resolve("pid");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                Command.run(List.of("sh", "-c", "echo $$ > " + pid + "; exec sleep 60"), "", 120, "install sh");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pid) && !Files.readString(pid).isBlank());
        long child = Long.parseLong(Files.readString(pid).strip());
        caller.interrupt();
        caller.join();

        assertThat(thrown.get()).hasMessageContaining("interrupted while sh ran");
        assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).as("the command's process").isFalse();
    }
}
