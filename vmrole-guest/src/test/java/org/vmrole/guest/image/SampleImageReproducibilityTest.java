package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the sample image again and compares it with the cached build, byte for byte. Tagged
 * "vm" with the boot test: it needs the Debian packages and image tools, and takes half a minute.
 */
@Tag("vm")
class SampleImageReproducibilityTest {

    @TempDir
    Path dir;

    @Test
    void the_same_inputs_build_the_same_image() throws Exception {
        Path cached = SampleImage.ensure();
        Path again = dir.resolve("again.qcow2");

        new SampleImageBuilder(SampleImage.defaultCacheRoot().resolve("debs")).build(again, ImageFormat.QCOW2, dir.resolve("work"));

        assertThat(sha256(again)).isEqualTo(sha256(cached));
        assertThat(dir.resolve("work")).doesNotExist();
    }

    @Test
    void writes_a_vhd_that_reads_back_as_the_same_disk() throws Exception {
        Path vhd = dir.resolve("sample.vhd");
        Path raw = dir.resolve("back.raw");
        Path expected = dir.resolve("expected.raw");
        SampleImageBuilder builder = new SampleImageBuilder(SampleImage.defaultCacheRoot().resolve("debs"));

        builder.build(vhd, ImageFormat.VPC, dir.resolve("work"));

        HostTools tools = new HostTools(java.util.Map.of());
        tools.run(dir, null, java.util.List.of("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd.toString(), raw.toString()));
        tools.run(dir, null, java.util.List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw",
                SampleImage.ensure().toString(), expected.toString()));
        assertThat(sha256(raw)).isEqualTo(sha256(expected));
        assertThat(new String(Files.readAllBytes(vhd), 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("conectix");
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
