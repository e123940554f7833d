package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.vmrole.model.drive.FixedVhd;

import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmrole.host.drive.PageBlobClientTest.filled;

class PageBlobDiskTest extends WithBlobService {


    @Test
    void an_unaligned_write_keeps_the_bytes_around_it() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        blob.writePages(0, filled(2048, 0x33), 0, 2048, null);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 1 << 20);

        disk.write(700, filled(100, 0x44));

        byte[] back = blob.read(0, 2048);
        assertThat(Arrays.copyOfRange(back, 0, 700)).isEqualTo(filled(700, 0x33));
        assertThat(Arrays.copyOfRange(back, 700, 800)).isEqualTo(filled(100, 0x44));
        assertThat(Arrays.copyOfRange(back, 800, 2048)).isEqualTo(filled(1248, 0x33));
    }

    @Test
    void a_write_invalidates_what_the_cache_held() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 1 << 20);
        assertThat(disk.read(0, 4096)).isEqualTo(new byte[4096]);

        disk.write(1024, filled(512, 9));

        assertThat(Arrays.copyOfRange(disk.read(0, 4096), 1024, 1536)).isEqualTo(filled(512, 9));
    }

    @Test
    void the_read_cache_stays_within_its_bound() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 256 << 10);

        for (int offset = 0; offset < 4 << 20; offset += 128 << 10) disk.read(offset, 128 << 10);

        assertThat(disk.cachedBytes()).isEqualTo(256 << 10);
    }

    @Test
    void a_large_read_streams_past_the_cache() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        blob.writePages(1 << 20, filled(1 << 20, 5), 0, 1 << 20, null);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 1 << 20);

        byte[] back = disk.read(1 << 20, 1 << 20);

        assertThat(Arrays.equals(back, filled(1 << 20, 5))).isTrue();
        assertThat(disk.cachedBytes()).isZero();
    }

    @Test
    void a_stream_of_large_reads_is_served_from_read_ahead_windows_within_the_bound() {
        PageBlobClient blob = storage.newDrive(16 << 20);
        for (int mib = 0; mib < 16; mib++) blob.writePages((long) mib << 20, filled(1 << 20, mib + 1), 0, 1 << 20, null);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 32 << 20);

        for (int mib = 0; mib < 16; mib++) {
            assertThat(Arrays.equals(disk.read((long) mib << 20, 1 << 20), filled(1 << 20, mib + 1))).as("MiB %d", mib).isTrue();
        }

        assertThat(disk.cachedBytes()).isPositive().isLessThanOrEqualTo(8 << 20);
    }

    @Test
    void a_read_after_an_acknowledged_write_never_sees_the_window_from_before_it() {
        PageBlobClient blob = storage.newDrive(8 << 20);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 32 << 20);
        disk.read(0, 1 << 20);
        assertThat(disk.read(1 << 20, 1 << 20)).isEqualTo(new byte[1 << 20]); // the window of MiB 0-3 is held now

        disk.write((2 << 20) + 4096, filled(4096, 0x5a));

        byte[] back = disk.read(2 << 20, 1 << 20);
        assertThat(Arrays.copyOfRange(back, 4096, 8192)).isEqualTo(filled(4096, 0x5a));
        assertThat(Arrays.copyOfRange(back, 0, 4096)).isEqualTo(new byte[4096]);
    }

    @Test
    void zeroing_clears_whole_pages_and_zeroes_the_partial_ends() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        blob.writePages(0, filled(4096, 0x77), 0, 4096, null);
        PageBlobDisk disk = PageBlobDisk.open(blob, () -> null, 0);

        disk.writeZeroes(100, 3000);

        byte[] back = blob.read(0, 4096);
        assertThat(Arrays.copyOfRange(back, 0, 100)).isEqualTo(filled(100, 0x77));
        assertThat(Arrays.copyOfRange(back, 100, 3100)).isEqualTo(new byte[3000]);
        assertThat(Arrays.copyOfRange(back, 3100, 4096)).isEqualTo(filled(996, 0x77));
    }

    @Test
    void a_blob_without_a_vhd_footer_is_refused() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);

        assertThatThrownBy(() -> PageBlobDisk.open(blob, () -> null, 0))
                .hasMessageContaining("is not a fixed VHD").hasMessageContaining("conectix");
    }

    @Test
    void a_dynamic_vhd_footer_is_refused_with_the_conversion_to_run(@TempDir Path tmp) throws Exception {
        byte[] file = qemuImgVhd(tmp, "subformat=dynamic");
        PageBlobClient blob = storage.newPageBlob((1 << 20) + 512);
        blob.writePages(1 << 20, Arrays.copyOfRange(file, file.length - 512, file.length), 0, 512, null);

        assertThatThrownBy(() -> PageBlobDisk.open(blob, () -> null, 0))
                .hasMessageContaining("not a fixed disk").hasMessageContaining("subformat=fixed");
    }

    @Test
    void a_footer_for_another_size_is_refused() {
        PageBlobClient blob = storage.newPageBlob((2 << 20) + 512);
        blob.writePages(2 << 20, FixedVhd.footer(1 << 20, Instant.now(), UUID.randomUUID()), 0, 512, null);

        assertThatThrownBy(() -> PageBlobDisk.open(blob, () -> null, 0)).hasMessageContaining("footer says 1048576 bytes");
    }

    @Test
    void a_footer_qemu_img_wrote_is_accepted(@TempDir Path tmp) throws Exception {
        byte[] file = qemuImgVhd(tmp, "subformat=fixed,force_size=on");
        PageBlobClient blob = storage.newPageBlob(file.length);
        blob.writePages(0, file, 0, file.length, null);

        assertThat(PageBlobDisk.open(blob, () -> null, 0).size()).isEqualTo(1 << 20);
    }

    /** A 1 MiB VHD as qemu-img writes it, with these -o options. */
    private static byte[] qemuImgVhd(Path tmp, String options) throws Exception {
        Path vhd = tmp.resolve("qemu-img.vhd");
        QemuTool made = QemuTool.run("qemu-img", "create", "-f", "vpc", "-o", options, vhd.toString(), "1M");
        assertThat(made.exitCode()).as(made.output()).isZero();
        return java.nio.file.Files.readAllBytes(vhd);
    }
}
