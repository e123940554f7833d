package org.vmrole.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service as a user of the Azure SDK for JavaScript sees it: runs the node:test suite in
 * {@code src/test/js} against a fresh service and fails with node's own report.
 */
class JavaScriptSdkTest {
    private static final Path SUITE = Path.of("src/test/js").toAbsolutePath();

    @Test
    void the_javascript_sdks_pass_their_suite() throws Exception {
        String node = onPath("node");
        assertThat(node).as("node is needed for the JavaScript SDK tests; ./test installs Debian's nodejs npm").isNotNull();
        installPackages();
        try (RunningStorage storage = new RunningStorage()) {
            Run run = run(List.of(node, "--test", "--test-reporter=spec"), Map.of(
                    "VMROLE_BLOB", storage.blobEndpoint(),
                    "VMROLE_QUEUE", storage.queueEndpoint(),
                    "VMROLE_TABLE", storage.tableEndpoint(),
                    "VMROLE_ACCOUNT", storage.account.name(),
                    "VMROLE_KEY", storage.account.keys().getFirst()), 10);
            assertThat(run.exit()).as("node --test failed:\n%s", run.output()).isZero();
            run.output().lines().filter(l -> l.startsWith("\u2139 tests") || l.startsWith("\u2139 pass"))
                    .forEach(l -> System.out.println("JavaScript SDK suite: " + l.substring(2)));
        }
    }

    /** npm ci, skipped when node_modules was installed from this very package-lock.json. */
    private static void installPackages() throws Exception {
        Path lock = SUITE.resolve("package-lock.json");
        Path stamp = SUITE.resolve("node_modules/.vmrole-lock-sha256");
        String want = sha256(Files.readAllBytes(lock));
        if (Files.exists(stamp) && Files.readString(stamp).equals(want)) return;
        String npm = onPath("npm");
        assertThat(npm).as("npm is needed to install the Azure SDK for JavaScript; ./test installs Debian's npm").isNotNull();
        Run run = run(List.of(npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"), Map.of(), 10);
        assertThat(run.exit()).as("npm ci failed:\n%s", run.output()).isZero();
        Files.writeString(stamp, want);
    }

    private record Run(int exit, String output) {}

    private static Run run(List<String> command, Map<String, String> env, int minutes) throws IOException, InterruptedException {
        Path log = Files.createTempFile("vmrole-js", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(SUITE.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Run(-1, "timed out after " + minutes + " min\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
