package org.vmrole.host.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host program (qemu-img, mkfs.vfat, …) to completion and keeps what it printed. */
record HostCommand(List<String> command, int exitCode, String output) {

    static HostCommand run(List<String> command, Duration timeout) throws IOException {
        Path out = Files.createTempFile("vmrole-cmd", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.getFirst() + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new HostCommand(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.getFirst(), e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    boolean ok() {
        return exitCode == 0;
    }

    /** Runs and throws with the program's own words when it fails. */
    static HostCommand require(List<String> command, Duration timeout) throws IOException {
        HostCommand r = run(command, timeout);
        if (!r.ok()) throw new IOException(command.getFirst() + " failed (exit " + r.exitCode + "): " + r.output);
        return r;
    }
}
