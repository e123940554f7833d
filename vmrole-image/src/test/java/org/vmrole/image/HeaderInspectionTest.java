package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeaderInspectionTest {
    @TempDir Path tmp;

    /** A qcow2 header of {@code version} with these incompatible feature bits and internal snapshots, in a file. */
    private Path qcow2Header(int version, long incompatible, int snapshots) throws Exception {
        ByteBuffer h = ByteBuffer.allocate(512);
        h.put(new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        h.putInt(4, version);
        h.putLong(24, 1 << 20);
        h.putInt(60, snapshots);
        if (version == 3) h.putLong(72, incompatible);
        return Files.write(tmp.resolve("v" + version + "-" + incompatible + "-" + snapshots + ".qcow2"), h.array());
    }

    @Test
    void keeps_as_uploaded_only_a_plain_qcow2() throws Exception {
        assertThat(HeaderInspection.plainQcow2(qcow2Header(3, 0, 0))).isTrue();
        assertThat(HeaderInspection.plainQcow2(qcow2Header(2, 0, 0))).isTrue();
        assertThat(HeaderInspection.plainQcow2(qcow2Header(3, 1, 0))).as("dirty").isFalse();
        assertThat(HeaderInspection.plainQcow2(qcow2Header(3, 1 << 4, 0))).as("extended L2").isFalse();
        assertThat(HeaderInspection.plainQcow2(qcow2Header(3, 0, 1))).as("an internal snapshot").isFalse();
        assertThat(HeaderInspection.plainQcow2(Files.write(tmp.resolve("raw"), new byte[512]))).isFalse();
    }
    private static byte[] vhdFooter(int diskType, long size) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.put("conectix".getBytes(StandardCharsets.US_ASCII));
        b.putLong(48, size);
        b.putInt(60, diskType);
        return b.array();
    }

    @Test
    void refuses_a_differencing_vhd_which_names_a_parent() {
        byte[] footer = vhdFooter(4, 1 << 20);
        assertThatThrownBy(() -> HeaderInspection.inspect(footer, footer, 4096, "diff")).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("differencing VHD");
    }

    @Test
    void finds_a_fixed_vhd_by_its_footer_at_the_end() {
        byte[] zeros = new byte[512];
        var s = HeaderInspection.inspect(zeros, vhdFooter(2, 1 << 20), (1 << 20) + 512, "fixed");
        assertThat(s.format()).isEqualTo(ImageFormat.VPC);
        assertThat(s.declaredVirtualSize()).hasValue(1 << 20);
    }

    @Test
    void refuses_a_qcow2_whose_external_data_file_bit_is_set_even_without_a_name() {
        ByteBuffer h = ByteBuffer.allocate(512);
        h.put(new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        h.putInt(4, 3);
        h.putLong(24, 1 << 20);
        h.putLong(72, 1 << 2);
        h.putInt(100, 104);
        assertThatThrownBy(() -> HeaderInspection.inspect(h.array(), new byte[0], 512, "split")).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("external data file (name unreadable)");
    }

    @Test
    void refuses_an_encrypted_qcow2_and_old_qcow() {
        ByteBuffer h = ByteBuffer.allocate(512);
        h.put(new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        h.putInt(4, 2);
        h.putInt(32, 1);
        assertThatThrownBy(() -> HeaderInspection.inspect(h.array(), new byte[0], 512, "enc")).hasMessageContaining("encrypted");
        h.putInt(4, 1);
        assertThatThrownBy(() -> HeaderInspection.inspect(h.array(), new byte[0], 512, "old")).hasMessageContaining("qcow version 1");
    }

    @Test
    void anything_unrecognised_is_raw_with_its_length_as_virtual_size() {
        var s = HeaderInspection.inspect(new byte[] {1, 2, 3}, new byte[] {1, 2, 3}, 3, "tiny");
        assertThat(s.format()).isEqualTo(ImageFormat.RAW);
        assertThat(s.declaredVirtualSize()).hasValue(3);
        assertThatThrownBy(() -> HeaderInspection.inspect(new byte[0], new byte[0], 0, "empty")).hasMessageContaining("the upload is empty");
    }
}
