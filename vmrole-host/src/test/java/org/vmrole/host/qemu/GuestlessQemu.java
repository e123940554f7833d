package org.vmrole.host.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** A real q35 QEMU, paused and without a guest, with the drive ports every vmrole VM has: enough for QMP-level tests. */
final class GuestlessQemu implements AutoCloseable {
    final Process process;
    final QmpClient qmp;

    GuestlessQemu(Path dir) throws IOException {
        Path socket = dir.resolve("qmp.sock");
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-S", "-nodefaults",
                "-display", "none", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        cmd.addAll(DriveHotplug.commandLine());
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(socket) || !process.isAlive());
        qmp = QmpClient.connect(socket, Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        qmp.close();
        process.destroyForcibly();
    }
}
