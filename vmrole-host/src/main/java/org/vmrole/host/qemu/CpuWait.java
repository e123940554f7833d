package org.vmrole.host.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How long each thread of a process has waited for a host CPU while runnable (the kernel's run-queue delay in
 * {@code /proc/PID/task/TID/schedstat}), at one moment. A guest whose virtual CPU waited cannot be blamed for its
 * silence: on a loaded host (TCG, more VMs than cores, a busy CI machine) a healthy guest may not run for seconds,
 * and judging it by the wall clock alone resets guests that were only starved.
 *
 * @param nanosByThread cumulative run-queue delay per thread id; empty where the kernel does not say
 */
record CpuWait(Map<String, Long> nanosByThread) {
    static final CpuWait NONE = new CpuWait(Map.of());

    /** The waits of {@code pid}'s threads now; {@link #NONE} when there is no schedstat or the process is gone. */
    static CpuWait of(long pid) {
        Map<String, Long> byThread = new HashMap<>();
        try (Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) threads::iterator) byThread.put(t.getFileName().toString(), runQueueNanos(t.resolve("schedstat")));
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
        return new CpuWait(Map.copyOf(byThread));
    }

    /**
     * Milliseconds the most delayed thread (in practice the guest's vCPU) waited between {@code earlier} and this
     * moment; a thread that did not exist then counts from zero.
     */
    long millisSince(CpuWait earlier) {
        long max = 0;
        for (Map.Entry<String, Long> e : nanosByThread.entrySet()) {
            max = Math.max(max, e.getValue() - earlier.nanosByThread.getOrDefault(e.getKey(), 0L));
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
