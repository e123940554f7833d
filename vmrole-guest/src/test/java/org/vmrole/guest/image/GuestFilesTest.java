package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GuestFilesTest {

    @Test
    void loads_every_file_the_index_names_from_the_class_path() {
        GuestFiles files = GuestFiles.load();

        assertThat(files.file("initramfs", "/init").mode()).isEqualTo(0755);
        assertThat(new String(files.file("rootfs", "/usr/lib/vmrole/agent").content(), StandardCharsets.UTF_8))
                .startsWith("#!/bin/sh").contains("org.vmrole.agent");
        assertThat(files.tree("boot")).extracting(GuestFiles.Entry::path).containsExactly("/syslinux.cfg");
        assertThat(files.tree("rootfs")).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo(GuestFiles.Kind.DIRECTORY);
            assertThat(e.path()).isEqualTo("/tmp");
            assertThat(e.mode()).isEqualTo(01777);
        });
    }

    @Test
    void every_file_the_index_marks_executable_runs_straight_from_a_checkout() {
        // docs/guest-agent.md tells users to copy these files into their own images: a copy must keep the run bit.
        for (GuestFiles.Entry e : GuestFiles.load().all()) {
            if (e.kind() != GuestFiles.Kind.FILE || (e.mode() & 0111) == 0) continue;
            Path source = Path.of("src/main/resources/guest", e.tree() + e.path());
            assertThat(Files.isExecutable(source)).as(source + " is marked " + Integer.toOctalString(e.mode()) + " in guest/index").isTrue();
        }
    }

    @Test
    void boots_the_kernel_on_the_serial_console_from_the_second_partition() {
        String cfg = new String(GuestFiles.load().file("boot", "/syslinux.cfg").content(), StandardCharsets.UTF_8);

        assertThat(cfg).contains("LINUX /vmlinuz", "INITRD /initrd.gz", "root=LABEL=vmrole-root", "console=ttyS0");
    }

    @Test
    void reads_links_and_directories_from_an_index() {
        GuestFiles files = GuestFiles.parse("""
                # comment
                link rootfs/etc/resolv.conf /run/resolv.conf
                dir  0700 rootfs/root
                file 0644 rootfs/etc/hostname
                """, name -> ("content of " + name).getBytes(StandardCharsets.UTF_8));

        assertThat(files.all()).extracting(GuestFiles.Entry::kind)
                .containsExactly(GuestFiles.Kind.SYMLINK, GuestFiles.Kind.DIRECTORY, GuestFiles.Kind.FILE);
        assertThat(files.file("rootfs", "/etc/resolv.conf").linkTarget()).isEqualTo("/run/resolv.conf");
        assertThat(new String(files.file("rootfs", "/etc/hostname").content(), StandardCharsets.UTF_8))
                .isEqualTo("content of rootfs/etc/hostname");
    }

    @Test
    void names_the_line_of_a_bad_index_entry() {
        assertThatThrownBy(() -> GuestFiles.parse("dir 0755 rootfs/tmp\nfile 9z rootfs/x\n", name -> new byte[0]))
                .hasMessageContaining("guest/index:2").hasMessageContaining("not octal");
        assertThatThrownBy(() -> GuestFiles.parse("copy 0644 rootfs/x\n", name -> new byte[0]))
                .hasMessageContaining("unknown kind 'copy'");
        assertThatThrownBy(() -> GuestFiles.parse("file 0644 init\n", name -> new byte[0]))
                .hasMessageContaining("must be TREE/PATH");
    }
}
