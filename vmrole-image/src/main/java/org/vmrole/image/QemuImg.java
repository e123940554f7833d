package org.vmrole.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs qemu-img on untrusted images inside a memory limit (address space, via prlimit or ulimit) and a CPU-time
 * limit, and kills it at a wall-clock timeout. The format is always given with {@code -f}: qemu-img never probes.
 */
public final class QemuImg {
    private static final int MAX_OUTPUT = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String binary;
    private final long memoryBytes;

    /** What one run printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The last non-empty line of stderr, qemu-img's own explanation. */
        public String reason() {
            List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "exit code " + exitCode : lines.getLast().replaceFirst("^qemu-img: ", "");
        }
    }

    /** What {@code qemu-img info} says of an image; the fields the repository decides on. */
    public record Info(String format, long virtualSize, String backingFile, String dataFile, boolean corrupt) {}

    public QemuImg(String binary, long memoryBytes) {
        this.binary = binary;
        this.memoryBytes = memoryBytes;
    }

    /** {@code qemu-img} from the PATH. */
    public static QemuImg fromPath(ImageLimits limits) {
        return new QemuImg("qemu-img", limits.qemuMemoryBytes());
    }

    /** Reads an image's description; the format must already be known. */
    public Info info(Path image, ImageFormat format, Duration timeout) throws IOException {
        Result r = run(List.of("info", "--output=json", "-f", format.qemuName(), image.toString()), timeout);
        if (r.exitCode() != 0) throw new QemuImgException(r.reason(), r);
        JsonNode n = JSON.readTree(r.stdout());
        JsonNode specific = n.path("format-specific").path("data");
        return new Info(n.path("format").asText(""), n.path("virtual-size").asLong(-1),
                n.hasNonNull("backing-filename") ? n.get("backing-filename").asText() : null,
                specific.hasNonNull("data-file") ? specific.get("data-file").asText() : null,
                specific.path("corrupt").asBoolean(false));
    }

    /** {@code qemu-img check}; the exit code says: 0 clean, 2 corrupt, 3 leaked clusters only, 63 not supported. */
    public Result check(Path image, ImageFormat format, Duration timeout) throws IOException {
        return run(List.of("check", "-f", format.qemuName(), image.toString()), timeout);
    }

    /** Converts to qcow2 in order (no {@code -W}), so the same input always gives the same bytes and digest. */
    public void convertToQcow2(Path from, ImageFormat format, Path to, Duration timeout) throws IOException {
        Result r = run(List.of("convert", "-f", format.qemuName(), "-O", "qcow2", from.toString(), to.toString()), timeout);
        if (r.exitCode() != 0) throw new QemuImgException(r.reason(), r);
    }

    /** Runs qemu-img with the limits; the CPU limit is the timeout rounded up to whole seconds. */
    public Result run(List<String> args, Duration timeout) throws IOException {
        long cpuSeconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/prlimit"))) {
            cmd.addAll(List.of("/usr/bin/prlimit", "--as=" + memoryBytes, "--cpu=" + cpuSeconds, "--"));
            cmd.add(binary);
        } else {
            // ulimit -v takes KiB; $0 is the binary so arguments need no quoting
            cmd.addAll(List.of("/bin/sh", "-c", "ulimit -v " + (memoryBytes / 1024) + " && ulimit -t " + cpuSeconds + " && exec \"$0\" \"$@\"", binary));
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // glibc reserves 64 MiB of address space per malloc arena and qemu-img's I/O threads each get one:
        // under an address-space limit that makes thread creation fail, so keep the arenas few
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()), r -> Thread.ofVirtual().start(r));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), r -> Thread.ofVirtual().start(r));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new QemuImgException("qemu-img did not finish within " + timeout.toSeconds() + " s", new Result(-1, "", ""));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while qemu-img ran", e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b)) > 0) {
                if (buf.size() < MAX_OUTPUT) buf.write(b, 0, Math.min(n, MAX_OUTPUT - buf.size()));
            }
            return buf.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** qemu-img failed or ran out of time on an image; the message is qemu-img's reason. */
    public static final class QemuImgException extends IOException {
        private final transient Result result;

        public QemuImgException(String message, Result result) {
            super(message);
            this.result = result;
        }

        public Result result() {
            return result;
        }
    }
}
