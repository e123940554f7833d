package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmallPartsTest {

    @Test
    void finds_the_concrete_kernel_the_meta_package_depends_on() {
        String depends = """
                linux-image-amd64
                  Depends: linux-image-6.1.0-56-amd64
                """;
        assertThat(DebianPackages.kernelFromDepends(depends)).hasValue("linux-image-6.1.0-56-amd64");
        assertThat(DebianPackages.kernelFromDepends("linux-image-amd64\n")).isEmpty();
    }

    @Test
    void knows_module_files_whatever_their_compression_and_treats_dash_as_underscore() {
        assertThat(KernelTree.moduleName("virtio_blk.ko")).hasValue("virtio_blk");
        assertThat(KernelTree.moduleName("pvpanic-mmio.ko.xz")).hasValue("pvpanic_mmio");
        assertThat(KernelTree.moduleName("ext4.ko.zst")).hasValue("ext4");
        assertThat(KernelTree.moduleName("modules.order")).isEmpty();
    }

    @Test
    void loads_the_modules_the_initramfs_lists_in_order() {
        assertThat(Initramfs.moduleList("# header\nvirtio_ring\n\nvirtio\n  ext4 \n"))
                .containsExactly("virtio_ring", "virtio", "ext4");
        String shipped = new String(GuestFiles.load().file("initramfs", "/etc/modules").content(), StandardCharsets.UTF_8);
        assertThat(Initramfs.moduleList(shipped)).containsSubsequence("virtio_ring", "virtio", "virtio_pci", "virtio_blk",
                "virtio_console", "virtio_net", "crc16", "mbcache", "jbd2", "ext4", "pvpanic");
    }

    @Test
    void reads_image_formats_by_their_qemu_names() {
        assertThat(ImageFormat.parse("qcow2")).isEqualTo(ImageFormat.QCOW2);
        assertThat(ImageFormat.parse("VHD")).isEqualTo(ImageFormat.VPC);
        assertThat(ImageFormat.parse("raw").qemuName()).isEqualTo("raw");
        assertThatThrownBy(() -> ImageFormat.parse("vmdk"))
                .hasMessage("--format 'vmdk' is not known; use one of qcow2, vpc, raw");
    }

    @Test
    void stamps_a_vhd_footer_with_a_fixed_time_and_id_and_a_valid_checksum() {
        byte[] footer = new byte[VhdFooter.SIZE];
        System.arraycopy("conectix".getBytes(StandardCharsets.US_ASCII), 0, footer, 0, 8);
        footer[100] = 42;
        byte[] id = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

        VhdFooter.rewrite(footer, 1704067200L, id);

        ByteBuffer b = ByteBuffer.wrap(footer);
        assertThat(b.getInt(VhdFooter.TIMESTAMP)).isEqualTo(1704067200 - 946684800);
        assertThat(new String(footer, VhdFooter.UNIQUE_ID, 16, StandardCharsets.US_ASCII)).isEqualTo("0123456789abcdef");
        int sum = 0;
        for (int i = 0; i < footer.length; i++) {
            if (i < VhdFooter.CHECKSUM || i >= VhdFooter.CHECKSUM + 4) {
                sum += footer[i] & 0xff;
            }
        }
        assertThat(b.getInt(VhdFooter.CHECKSUM)).isEqualTo(~sum);
    }
}
