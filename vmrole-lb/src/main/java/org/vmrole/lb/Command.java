package org.vmrole.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a system command (nft, tc, bpftool, clang) with input, a timeout, and its output or a failure that says why. */
final class Command {

    private Command() {
    }

    /** The command ran and failed: a non-zero exit or over its time (not: it could not be started at all). */
    static final class Failed extends IllegalStateException {
        Failed(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code cmd} with {@code input} on its stdin; returns its output (stdout and stderr).
     *
     * @param missing what to tell when the command cannot be started at all (which package to install)
     * @throws IllegalStateException when it cannot start, fails (with its output) or runs over {@code timeoutSeconds}
     */
    static String run(List<String> cmd, String input, int timeoutSeconds, String missing) {
        String line = String.join(" ", cmd);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.getFirst() + " (" + e.getMessage() + "): " + missing, e);
        }
        try {
            // read on a thread of its own, so a hung command is caught by the timeout below instead of blocking the read
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try (InputStream o = p.getInputStream()) {
                    return new String(o.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e.getMessage() + ")";
                }
            }, r -> Thread.ofVirtual().start(r));
            try (OutputStream in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new Failed(line + " did not finish within " + timeoutSeconds + " s");
            }
            String out = output.join();
            if (p.exitValue() != 0) {
                throw new Failed(line + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.getFirst() + " (" + e.getMessage() + "): " + missing, e);
        } catch (InterruptedException e) {
            // the command must be over when this returns: an nft left running would, say, write back the table that
            // the balancer's close deletes next (a demo stopped with Ctrl-C once left its table forwarding port 80)
            endUninterruptibly(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + cmd.getFirst() + " ran", e);
        }
    }

    private static void endUninterruptibly(Process p) {
        p.destroyForcibly();
        while (p.isAlive()) {
            try {
                p.waitFor();
            } catch (InterruptedException again) {
                // the caller's interrupt is restored once the process is gone
            }
        }
    }
}
