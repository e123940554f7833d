package org.vmrole.host.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How long a process's threads have waited for a host CPU while runnable (the kernel's run-queue delay in
 * {@code /proc/PID/task/TID/schedstat}). A guest whose virtual CPU waited cannot be blamed for its silence: on a
 * loaded host (TCG, more VMs than cores, a busy CI machine) a healthy guest may not run for seconds, and judging it
 * by the wall clock alone resets guests that were only starved.
 */
final class CpuWait {
    private CpuWait() {}

    /**
     * Milliseconds the most delayed thread of {@code pid} has waited to run since it started; 0 where the kernel
     * does not say (no schedstat, process gone), so the wall clock alone judges, as before.
     */
    static long waitedMillis(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long max = 0;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) threads::iterator) max = Math.max(max, runQueueNanos(t.resolve("schedstat")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return max / 1_000_000;
    }

    /** The second field of schedstat: time spent runnable on a run queue, in nanoseconds. */
    private static long runQueueNanos(Path schedstat) {
        try {
            String[] fields = Files.readString(schedstat).trim().split(" ");
            return fields.length >= 2 ? Long.parseLong(fields[1]) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Of {@code wallMillis} that passed, the time the guest could have used: what it spent waiting is not counted. */
    static long usableMillis(long wallMillis, long waitedMillis) {
        return Math.max(0, wallMillis - Math.max(0, waitedMillis));
    }
}
