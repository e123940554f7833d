package org.vmrole.guest.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs the host's image tools (sfdisk, mtools, syslinux, mkfs.ext4, qemu-img, apt-get) and says which Debian package to install when one is missing. */
public final class HostTools {

    private static final Map<String, String> PACKAGE_OF = Map.ofEntries(
            Map.entry("sfdisk", "fdisk"),
            Map.entry("mformat", "mtools"),
            Map.entry("mcopy", "mtools"),
            Map.entry("syslinux", "syslinux"),
            Map.entry("mkfs.ext4", "e2fsprogs"),
            Map.entry("debugfs", "e2fsprogs"),
            Map.entry("qemu-img", "qemu-utils"),
            Map.entry("apt-get", "apt"),
            Map.entry("apt-cache", "apt"),
            Map.entry("dpkg-deb", "dpkg"),
            Map.entry("xz", "xz-utils"),
            Map.entry("zstd", "zstd"));

    private final Map<String, String> environment;

    /** @param environment extra variables every tool sees (fixed timestamps for reproducible output) */
    public HostTools(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** Runs a tool in {@code dir}, feeding it {@code stdin}; returns its standard output, or fails with its error output. */
    public byte[] run(Path dir, byte[] stdin, List<String> command) {
        String tool = command.get(0);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(environment);
        pb.environment().put("LC_ALL", "C");
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalStateException("cannot run " + tool + " in " + dir + ": no such directory");
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            String pkg = PACKAGE_OF.getOrDefault(tool, tool);
            throw new ImageBuildException(tool + " is not installed (needed to build the sample image): "
                    + "apt-get install " + pkg);
        }
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException e) {
            // The tool closed its input early; its exit status below tells whether that mattered.
        }
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageBuildException(tool + " was interrupted");
        }
        if (code != 0) {
            String stderr = new String(err.join(), StandardCharsets.UTF_8).strip();
            throw new ImageBuildException(tool + " failed (exit " + code + "): " + String.join(" ", command)
                    + (stderr.isEmpty() ? "" : "\n" + stderr));
        }
        return out.join();
    }

    public String runText(Path dir, List<String> command) {
        return new String(run(dir, null, command), StandardCharsets.UTF_8);
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> bytes = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                bytes.complete(in.readAllBytes());
            } catch (IOException e) {
                bytes.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return bytes;
    }
}
