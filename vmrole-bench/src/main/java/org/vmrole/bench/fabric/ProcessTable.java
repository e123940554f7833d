package org.vmrole.bench.fabric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What /proc says about processes: QEMUs found by a marker in their command line, CPU time and resident memory. */
final class ProcessTable {
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessTable() {
    }

    /** QEMU processes whose command line mentions {@code marker} (a deployment's instance, a host's data directory). */
    static List<Long> qemusMentioning(String marker) {
        List<Long> pids = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains(marker) && cmdline.contains("qemu-system")) pids.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | java.io.UncheckedIOException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return pids;
    }

    static void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** User + system CPU seconds the process has used so far (fields 14 and 15 of /proc/PID/stat). */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // the command name may contain spaces; the fields after its closing parenthesis do not
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    /** The 1, 5 and 15 minute load averages, as {@code uptime} prints them. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "load average " + f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "load average unknown";
        }
    }
}
