package org.vmrole.bench.lb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Pins every thread of this JVM to a set of CPUs with {@code taskset}; threads started later inherit it. */
final class CpuPinning {

    private CpuPinning() {
    }

    /** {@code cpus} in taskset's list form, e.g. {@code 0} or {@code 0-1}. */
    static void pinThisProcess(String cpus) throws IOException, InterruptedException {
        String output = "";
        // A thread that ends while taskset walks the list fails the whole call ("No such process"): try again.
        for (int attempt = 0; attempt < 5; attempt++) {
            Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        }
        throw new IOException("taskset could not pin this process to CPU(s) " + cpus + ": "
                + output.lines().filter(l -> !l.contains("affinity list")).findFirst().orElse(output)
                + " (install util-linux, or run without --placement pinned)");
    }

    /** The CPUs this process may run on now, as taskset lists them. */
    static String allowedCpus() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("taskset", "-p", "-c", Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("taskset could not read this process's CPUs: " + output
                    + " (install util-linux, or run without --placement pinned)");
        }
        return output.substring(output.lastIndexOf(':') + 1).trim();
    }
}
