package org.vmrole.host.qemu;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Reads a child JVM's output until a line says what the test waits for. */
final class HostAgentProcessOutput {
    private HostAgentProcessOutput() {
    }

    static void awaitLine(Process p, String wanted, Duration timeout) throws Exception {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        StringBuilder all = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (all) {
                        all.append(line).append('\n');
                    }
                    if (line.strip().equals(wanted)) seen.complete(null);
                }
                seen.completeExceptionally(new AssertionError("child ended without saying '" + wanted + "':\n" + all));
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        });
        seen.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
