package org.vmrole.image.contents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generalizing and inspecting a Linux disk image, checked by reading the output back with debugfs. */
class ImagePrepareTest {
    @TempDir Path dir;

    /** A qcow2 with an MBR and one ext4 partition holding a used server's leftovers. */
    private Path usedServer() throws Exception {
        Path tree = dir.resolve("tree");
        write(tree, "etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n");
        write(tree, "etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        write(tree, "etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n");
        write(tree, "etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA root@build\n");
        write(tree, "etc/ssh/sshd_config", "PermitRootLogin no\n");
        write(tree, "etc/fstab", "/dev/sda1 / ext4 defaults 0 1\nUUID=abc /srv ext4 defaults 0 2\n");
        write(tree, "etc/network/interfaces", "auto eth0\niface eth0 inet static\n  address 192.168.1.10/24\n");
        write(tree, "var/lib/dhcp/dhclient.eth0.leases", "lease {}\n");
        write(tree, "var/lib/cloud/instances/i-build/boot-finished", "done\n");
        Files.createSymbolicLink(tree.resolve("var/lib/cloud/instance"), Path.of("/var/lib/cloud/instances/i-build"));
        write(tree, "var/log/syslog", "Dec  4 build host booted\n");
        write(tree, "var/log/apt/history.log", "Start-Date: 2026-12-04\n");
        write(tree, "root/.bash_history", "curl -H 'Authorization: secret' ...\n");
        write(tree, "boot/vmlinuz-6.1.0-28-amd64", "kernel\n");
        write(tree, "usr/lib/vmrole/VERSION", "1.0.0\n");
        write(tree, "usr/lib/vmrole/agent", "#!/bin/sh\n");
        Path raw = dir.resolve("server.raw");
        sh("truncate -s 64M " + raw + " && echo 'start=2048, type=83' | sfdisk -q " + raw
                + " && mkfs.ext4 -q -F -E offset=1048576 -d " + tree + " " + raw + " 63M");
        Path qcow2 = dir.resolve("server.qcow2");
        sh("qemu-img convert -O qcow2 " + raw + " " + qcow2);
        return qcow2;
    }

    @Test
    void empties_the_machine_id_and_removes_host_keys_leases_cloud_init_state_logs_and_histories() throws Exception {
        Path in = usedServer();
        Path out = dir.resolve("prepared.qcow2");

        ImagePreparation.Report report = ImagePreparation.prepare(in, out);

        assertThat(report.contents().os()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
        assertThat(report.contents().kernels()).containsExactly("6.1.0-28-amd64");
        assertThat(report.contents().agent()).isEqualTo("vmrole-agent/1.0.0");
        assertThat(report.contents().warnings()).anySatisfy(w -> assertThat(w).contains("/etc/fstab", "/dev/sda1"))
                .anySatisfy(w -> assertThat(w).contains("static address"));
        Path raw = dir.resolve("prepared.raw");
        sh("qemu-img convert -O raw " + out + " " + raw);
        String root = raw + "?offset=1048576";
        assertThat(debugfs(root, "cat /etc/machine-id")).isEmpty();
        assertThat(debugfs(root, "ls -p /etc/ssh")).contains("sshd_config").doesNotContain("ssh_host_");
        assertThat(debugfs(root, "ls -p /var/lib/dhcp")).doesNotContain("leases");
        assertThat(debugfs(root, "ls -p /var/lib/cloud")).doesNotContain("/instance/");
        assertThat(debugfs(root, "ls -p /var/lib/cloud/instances")).doesNotContain("i-build");
        assertThat(debugfs(root, "ls -p /var/log")).doesNotContain("syslog").contains("/apt/");
        assertThat(debugfs(root, "ls -p /var/log/apt")).doesNotContain("history.log");
        assertThat(debugfs(root, "ls -p /root")).doesNotContain("bash_history");
        assertThat(debugfs(root, "cat /etc/os-release")).contains("bookworm");
        assertThat(report.removed()).contains("/etc/machine-id (emptied)", "/etc/ssh/ssh_host_ed25519_key", "/root/.bash_history");
        // the input is only read
        Path inRaw = dir.resolve("in.raw");
        sh("qemu-img convert -O raw " + in + " " + inRaw);
        assertThat(debugfs(inRaw + "?offset=1048576", "cat /etc/machine-id")).contains("0123456789abcdef");
    }

    @Test
    void inspection_reads_the_os_and_the_agent_without_changing_anything() throws Exception {
        Path in = usedServer();
        byte[] before = Files.readAllBytes(in);
        Path work = Files.createDirectory(dir.resolve("work"));

        ImageContents contents = ImageInspector.inspect(in, work);

        assertThat(contents.os()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
        assertThat(contents.agent()).isEqualTo("vmrole-agent/1.0.0");
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }

    @Test
    void inspection_reads_a_qcow2_through_a_fuse_view_without_copying_it_and_unmounts_the_view() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "this machine has no /dev/fuse: inspection copies the image instead");
        Path in = usedServer();
        Path work = Files.createDirectory(dir.resolve("work"));

        ImageContents contents = ImageInspector.inspect(in, work);

        assertThat(contents.os()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
        assertThat(contents.kernels()).containsExactly("6.1.0-28-amd64");
        assertThat(work.resolve("disk.view")).exists();
        assertThat(work.resolve("disk.raw")).doesNotExist();
        assertThat(Files.size(work.resolve("disk.view"))).as("the view is unmounted: the empty file under it shows again").isZero();
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(work.toString());
    }

    @Test
    void refuses_a_disk_without_a_linux_root_and_writes_nothing() throws Exception {
        Path fat = dir.resolve("windows.raw");
        sh("truncate -s 16M " + fat + " && $(ls /usr/sbin/mkfs.vfat /sbin/mkfs.vfat 2>/dev/null | head -1) " + fat + " >/dev/null");
        Path out = dir.resolve("out.qcow2");

        assertThatThrownBy(() -> ImagePreparation.prepare(fat, out)).isInstanceOf(ImagePreparation.NotPreparable.class)
                .hasMessageContaining("no Linux root filesystem");
        assertThat(out).doesNotExist();
        assertThat(ImageInspector.inspect(fat, Files.createDirectory(dir.resolve("w"))).knownWithoutAgent()).isFalse();
    }

    @Test
    void refuses_a_file_that_is_no_disk_image_and_writes_nothing() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a disk");
        Path out = dir.resolve("out.qcow2");

        assertThatThrownBy(() -> ImagePreparation.prepare(text, out)).isInstanceOf(ImagePreparation.NotPreparable.class);
        assertThat(out).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vmrole-prepare-"));
        }
    }

    private static void write(Path tree, String path, String content) throws IOException {
        Path f = tree.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content, StandardCharsets.UTF_8);
    }

    private static String debugfs(String device, String request) throws Exception {
        Process p = new ProcessBuilder("debugfs", "-R", request, device).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static void sh(String script) throws Exception {
        Process p = new ProcessBuilder(List.of("sh", "-c", script)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(script + "\n" + out).isZero();
    }
}
