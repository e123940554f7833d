package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class CpioArchiveTest {

    /** One parsed newc header: what the kernel's initramfs unpacker reads. */
    record Header(String name, int mode, int uid, int mtime, int size, int rdevMajor, int rdevMinor, byte[] data) {}

    static List<Header> parse(byte[] archive) {
        List<Header> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            assertThat(pos % 4).as("header alignment").isZero();
            String h = new String(archive, pos, 110, StandardCharsets.US_ASCII);
            assertThat(h).startsWith("070701");
            int mode = field(h, 1), uid = field(h, 2), mtime = field(h, 5), size = field(h, 6);
            int rdevMajor = field(h, 9), rdevMinor = field(h, 10), nameSize = field(h, 11);
            String name = new String(archive, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(archive[pos + 110 + nameSize - 1]).as("name NUL").isZero();
            int data = align(pos + 110 + nameSize);
            if (name.equals("TRAILER!!!")) {
                assertThat(archive.length % 4).isZero();
                return out;
            }
            out.add(new Header(name, mode, uid, mtime, size, rdevMajor, rdevMinor, Arrays.copyOfRange(archive, data, data + size)));
            pos = align(data + size);
        }
    }

    private static int field(String header, int index) {
        return Integer.parseUnsignedInt(header.substring(6 + index * 8, 14 + index * 8), 16);
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    @Test
    void writes_entries_sorted_with_their_parent_directories_first() {
        byte[] bytes = new CpioArchive()
                .file("/lib/modules/ext4.ko", 0644, new byte[] {1, 2, 3})
                .file("init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8))
                .symlink("bin/sh", "busybox")
                .toBytes();

        assertThat(parse(bytes)).extracting(Header::name)
                .containsExactly("bin", "bin/sh", "init", "lib", "lib/modules", "lib/modules/ext4.ko");
    }

    @Test
    void stores_types_modes_and_contents_owned_by_root_at_time_zero() {
        byte[] bytes = new CpioArchive()
                .file("init", 0755, "abcde".getBytes(StandardCharsets.UTF_8))
                .symlink("sh", "/bin/busybox")
                .charDevice("console", 0600, 5, 1)
                .directory("newroot", 0700)
                .toBytes();

        List<Header> entries = parse(bytes);
        Header console = entries.get(0), init = entries.get(1), newroot = entries.get(2), sh = entries.get(3);
        assertThat(init.mode()).isEqualTo(0100755);
        assertThat(new String(init.data(), StandardCharsets.UTF_8)).isEqualTo("abcde");
        assertThat(sh.mode()).isEqualTo(0120777);
        assertThat(new String(sh.data(), StandardCharsets.UTF_8)).isEqualTo("/bin/busybox");
        assertThat(console.mode()).isEqualTo(0020600);
        assertThat(console.rdevMajor()).isEqualTo(5);
        assertThat(console.rdevMinor()).isEqualTo(1);
        assertThat(newroot.mode()).isEqualTo(0040700);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.uid()).isZero();
            assertThat(e.mtime()).isZero();
        });
    }

    @Test
    void gives_the_same_bytes_whatever_the_order_entries_were_added_in() throws Exception {
        byte[] one = new CpioArchive().file("a/x", 0644, new byte[] {1}).file("b", 0644, new byte[] {2}).toGzip();
        byte[] two = new CpioArchive().file("b", 0644, new byte[] {2}).file("a/x", 0644, new byte[] {1}).toGzip();

        assertThat(one).isEqualTo(two);
        try (var in = new GZIPInputStream(new ByteArrayInputStream(one))) {
            assertThat(parse(in.readAllBytes())).extracting(Header::name).containsExactly("a", "a/x", "b");
        }
    }

    @Test
    void refuses_an_empty_or_trailing_slash_path() {
        assertThatThrownBy(() -> new CpioArchive().file("/", 0644, new byte[0]))
                .hasMessageContaining("bad archive path '/'");
        assertThatThrownBy(() -> new CpioArchive().directory("etc/", 0755))
                .hasMessageContaining("bad archive path 'etc/'");
    }
}
