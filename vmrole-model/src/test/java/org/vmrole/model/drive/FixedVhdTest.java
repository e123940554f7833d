package org.vmrole.model.drive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FixedVhdTest {
    @TempDir Path dir;

    @Test
    void a_footer_reads_back_its_size_and_its_checksum_guards_it() {
        byte[] f = FixedVhd.footer(64L << 20, Instant.parse("2026-12-04T00:00:00Z"), UUID.randomUUID());
        assertThat(new String(f, 0, 8)).isEqualTo("conectix");
        assertThat(FixedVhd.diskBytes(f)).isEqualTo(64L << 20);
        f[100] ^= 1;
        assertThatThrownBy(() -> FixedVhd.diskBytes(f)).hasMessageContaining("checksum");
    }

    @Test
    void the_geometry_follows_the_specification() {
        // 64 MiB = 131072 sectors: 17 sectors a track gives 7710 tracks, 8 heads, 963 cylinders
        assertThat(FixedVhd.geometry(131072)).isEqualTo((963 << 16) | (8 << 8) | 17);
        // past 65535 x 16 x 63 sectors: 255 sectors a track, 16 heads
        assertThat(FixedVhd.geometry(65535L * 16 * 63) & 0xffff).isEqualTo((16 << 8) | 255);
    }

    @Test
    void a_size_that_is_not_whole_sectors_is_refused_with_the_next_good_one() {
        assertThat(FixedVhd.sizeProblem(1000)).contains("not a multiple of 512").contains("1024");
        assertThat(FixedVhd.sizeProblem(0)).contains("positive");
        assertThat(FixedVhd.sizeProblem(2L << 40)).contains("1 TiB");
        assertThat(FixedVhd.sizeProblem(1 << 20)).isNull();
    }

    @Test
    void qemu_img_opens_a_disk_with_the_footer_as_a_fixed_vpc() throws Exception {
        Path disk = dir.resolve("d.vhd");
        long size = 8L << 20;
        try (var ch = Files.newByteChannel(disk, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.position(size);
            ch.write(java.nio.ByteBuffer.wrap(FixedVhd.footer(size, Instant.now(), UUID.randomUUID())));
        }
        Process p = new ProcessBuilder("qemu-img", "info", "-f", "vpc", "--output", "json", disk.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("\"format\": \"vpc\"").contains("\"virtual-size\": " + size);
    }
}
