package org.vmrole.bench.fabric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs a {@code vmrole} subcommand ({@code server}, {@code host}) in a JVM of its own, on this JVM's classpath, so it can be killed or measured alone. */
final class ChildVmrole {
    private ChildVmrole() {
    }

    static Process start(Path log, String maxHeap, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx" + maxHeap,
                "-cp", System.getProperty("java.class.path"), "org.vmrole.server.Main"));
        cmd.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
