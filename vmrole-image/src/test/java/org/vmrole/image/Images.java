package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Makes small real disk images with qemu-img for the tests. */
final class Images {
    private Images() {}

    /** A raw disk of {@code mib} MiB: random data in the first half, zeros after (like a real, partly used disk). */
    static Path raw(Path dir, String name, int mib, long seed) throws IOException {
        Path p = dir.resolve(name);
        byte[] data = new byte[mib << 20];
        byte[] random = new byte[data.length / 2];
        new Random(seed).nextBytes(random);
        System.arraycopy(random, 0, data, 0, random.length);
        Files.write(p, data);
        return p;
    }

    /** {@code qemu-img convert -O FORMAT [-o OPTIONS] from to}. */
    static Path convert(Path from, String format, String options, Path to) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("convert", "-f", "raw", "-O", format));
        if (options != null) cmd.addAll(List.of("-o", options));
        cmd.addAll(List.of(from.toString(), to.toString()));
        qemuImg(cmd);
        return to;
    }

    static String qemuImg(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            assertThat(p.waitFor()).as("qemu-img " + args + ": " + out).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }

    /** Exit code of {@code qemu-img compare}: 0 when both hold the same guest-visible bytes. */
    static int compare(Path a, String formatA, Path b, String formatB) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("qemu-img", "compare", "-f", formatA, "-F", formatB, a.toString(), b.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
