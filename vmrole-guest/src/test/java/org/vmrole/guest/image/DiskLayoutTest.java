package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DiskLayoutTest {

    @Test
    void starts_the_boot_partition_at_one_mib_and_the_root_right_after_it() {
        DiskLayout layout = DiskLayout.forContent(10 * DiskLayout.MIB, 256);

        assertThat(layout.bootStartSector()).isEqualTo(2048);
        assertThat(layout.bootOffsetBytes()).isEqualTo(DiskLayout.MIB);
        assertThat(layout.rootStartSector()).isEqualTo(layout.bootStartSector() + layout.bootSectors());
        assertThat(layout.rootSizeBytes()).isEqualTo(256 * DiskLayout.MIB);
        assertThat(layout.diskSizeBytes()).isEqualTo(layout.rootOffsetBytes() + layout.rootSizeBytes());
    }

    @Test
    void keeps_every_partition_aligned_to_a_mib() {
        for (long content : new long[] {0, 1, 9_000_000, 33 * DiskLayout.MIB + 1, 200 * DiskLayout.MIB}) {
            DiskLayout layout = DiskLayout.forContent(content, 64);
            assertThat(layout.bootOffsetBytes() % DiskLayout.MIB).isZero();
            assertThat(layout.rootOffsetBytes() % DiskLayout.MIB).isZero();
            assertThat(layout.diskSizeBytes() % DiskLayout.MIB).isZero();
        }
    }

    @Test
    void gives_the_boot_partition_room_beyond_kernel_and_initramfs_and_never_less_than_32_mib() {
        assertThat(DiskLayout.forContent(1000, 64).bootSizeBytes()).isEqualTo(32 * DiskLayout.MIB);

        long content = 60 * DiskLayout.MIB;
        assertThat(DiskLayout.forContent(content, 64).bootSizeBytes()).isGreaterThan(content + content / 4);
    }

    @Test
    void describes_the_partitions_to_sfdisk_with_a_fixed_disk_id() {
        DiskLayout layout = new DiskLayout(2048, 65536, 67584, 524288);

        assertThat(layout.sfdiskScript()).isEqualTo("""
                label: dos
                label-id: 0x564d524f
                unit: sectors

                start=2048, size=65536, type=e, bootable
                start=67584, size=524288, type=83
                """);
    }

    @Test
    void refuses_overlapping_partitions() {
        assertThatThrownBy(() -> new DiskLayout(2048, 4096, 4096, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlap");
    }

    @Test
    void refuses_a_root_partition_too_small_for_ext4_with_a_journal() {
        assertThatThrownBy(() -> DiskLayout.forContent(0, 8))
                .hasMessageContaining("at least 16 MiB");
    }
}
