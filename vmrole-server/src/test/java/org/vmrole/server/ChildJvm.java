package org.vmrole.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code vmrole} subcommands in a JVM of their own (same classpath as the tests), so tests can kill -9 them. */
final class ChildJvm {
    private ChildJvm() {}

    static Process start(Path log, String... args) throws IOException {
        return start(log, List.of(), args);
    }

    /** The same, inside {@code wrapper} (e.g. {@code ip netns exec NS}: another emulated machine). */
    static Process start(Path log, List<String> wrapper, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Processes whose command line mentions {@code marker} (a data directory, a deployment id). */
    static List<Long> processesMentioning(String marker) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains(marker) && cmdline.contains("qemu-system")) pids.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return pids;
    }

    static void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
