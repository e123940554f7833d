package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmrole.host.nbd.NbdServer;
import org.vmrole.model.drive.FixedVhd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.vmrole.host.drive.PageBlobClientTest.filled;

/** QEMU's own NBD client (qemu-io, qemu-img) against drives exported from the real storage service. */
class NbdDriveExportTest extends WithBlobService {
    static final int MIB = 1 << 20;
    static NbdServer nbd;

    @BeforeAll
    static void startNbd() {
        nbd = NbdServer.startUnix(dir.resolve("nbd").resolve("drives.sock"));
    }

    @AfterAll
    static void stopNbd() {
        nbd.close();
    }

    static String exportWritable(String name, PageBlobClient blob) {
        String lease = blob.acquireLease(60, java.util.UUID.randomUUID().toString());
        nbd.export(name, PageBlobDisk.open(blob, () -> lease, 8 * MIB));
        return lease;
    }

    @Test
    void a_flushed_qemu_write_is_in_the_page_blob() {
        PageBlobClient blob = storage.newDrive(16 * MIB);
        exportWritable("flushed", blob);

        QemuTool io = QemuTool.run("qemu-io", "-f", "raw", nbd.url("flushed"), "-c", "write -P 0xab 0 1M", "-c", "flush");

        assertThat(io.exitCode()).as(io.output()).isZero();
        assertThat(io.failedVerification()).as(io.output()).isFalse();
        assertThat(blob.read(0, MIB)).isEqualTo(filled(MIB, 0xab));
        assertThat(blob.read(MIB, 4096)).isEqualTo(new byte[4096]);
    }

    @Test
    void qemu_reads_back_what_it_wrote_through_the_cache() {
        PageBlobClient blob = storage.newDrive(16 * MIB);
        exportWritable("readback", blob);
        String url = nbd.url("readback");

        QemuTool io = QemuTool.run("qemu-io", "-f", "raw", url, "-c", "read -P 0 0 1M", "-c", "write -P 0x5a 4k 8k",
                "-c", "read -P 0x5a 4k 8k", "-c", "read -P 0 0 4k", "-c", "write -P 0x11 1000 100", "-c", "read -P 0x11 1000 100",
                "-c", "read -P 0x5a 4k 8k");

        assertThat(io.exitCode()).as(io.output()).isZero();
        assertThat(io.failedVerification()).as(io.output()).isFalse();
        byte[] page = blob.read(4096, 8192);
        assertThat(page).isEqualTo(filled(8192, 0x5a));
    }

    @Test
    void the_vhd_footer_is_not_part_of_the_disk() {
        PageBlobClient blob = storage.newDrive(4 * MIB);
        exportWritable("footer", blob);
        byte[] footer = blob.read(4 * MIB, FixedVhd.FOOTER_BYTES);

        QemuTool info = QemuTool.run("qemu-img", "info", "--output=json", nbd.url("footer"));
        QemuTool beyond = QemuTool.run("qemu-io", "-f", "raw", nbd.url("footer"), "-c", "write -P 0xee 4M 512");
        QemuTool last = QemuTool.run("qemu-io", "-f", "raw", nbd.url("footer"), "-c", "write -P 0xee 4190208 512");

        assertThat(info.output()).contains("\"virtual-size\": " + 4 * MIB);
        assertThat(beyond.output()).contains("write failed");
        assertThat(last.exitCode()).as(last.output()).isZero();
        assertThat(blob.read(4 * MIB, FixedVhd.FOOTER_BYTES)).isEqualTo(footer);
    }

    @Test
    void qemu_img_converts_an_image_onto_the_drive_and_back() throws IOException {
        PageBlobClient blob = storage.newDrive(8 * MIB);
        exportWritable("convert", blob);
        byte[] content = new byte[8 * MIB];
        new Random(14).nextBytes(content);
        Arrays.fill(content, 2 * MIB, 3 * MIB, (byte) 0); // a hole the client may skip or zero
        Path in = Files.write(dir.resolve("in.raw"), content);
        Path out = dir.resolve("out.raw");

        QemuTool to = QemuTool.run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), nbd.url("convert"));
        QemuTool from = QemuTool.run("qemu-img", "convert", "-f", "raw", "-O", "raw", nbd.url("convert"), out.toString());

        assertThat(to.exitCode()).as(to.output()).isZero();
        assertThat(from.exitCode()).as(from.output()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(content);
        assertThat(blob.read(0, 8 * MIB)).isEqualTo(content);
    }

    @Test
    void a_snapshot_is_exported_read_only() {
        PageBlobClient blob = storage.newDrive(4 * MIB);
        blob.writePages(0, filled(4096, 0x42), 0, 4096, null);
        PageBlobClient snapshot = blob.atSnapshot(blob.createSnapshot());
        nbd.export("snap", PageBlobDisk.open(snapshot, null, MIB));

        QemuTool read = QemuTool.run("qemu-io", "-r", "-f", "raw", nbd.url("snap"), "-c", "read -P 0x42 0 4k");
        QemuTool write = QemuTool.run("qemu-io", "-f", "raw", nbd.url("snap"), "-c", "write -P 1 0 4k");

        assertThat(read.failedVerification()).as(read.output()).isFalse();
        assertThat(read.exitCode()).isZero();
        assertThat(write.output()).contains("Permission denied");
        assertThat(snapshot.read(0, 4096)).isEqualTo(filled(4096, 0x42));
    }

    @Test
    void a_write_without_the_lease_fails_and_changes_nothing() {
        PageBlobClient blob = storage.newDrive(4 * MIB);
        blob.acquireLease(60, java.util.UUID.randomUUID().toString());
        nbd.export("stolen", PageBlobDisk.open(blob, () -> java.util.UUID.randomUUID().toString(), MIB));

        QemuTool io = QemuTool.run("qemu-io", "-f", "raw", nbd.url("stolen"), "-c", "write -P 7 0 4k", "-c", "flush");

        assertThat(io.output()).containsIgnoringCase("Input/output error");
        assertThat(blob.read(0, 4096)).isEqualTo(new byte[4096]);
    }

    @Test
    void only_its_owner_may_connect_to_the_servers_socket() throws IOException {
        Path socket = nbd.socketPath().orElseThrow();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        assertThat(nbd.url("data")).isEqualTo("nbd+unix:///data?socket=" + socket);
    }

    @Test
    void an_unknown_export_is_refused_by_name() {
        QemuTool io = QemuTool.run("qemu-io", "-f", "raw", nbd.url("nosuch"), "-c", "read 0 512");

        assertThat(io.exitCode()).isNotZero();
        assertThat(io.output()).contains("no export named 'nosuch'");
    }

    @Test
    void stopping_the_server_mid_write_loses_nothing_that_was_flushed() throws Exception {
        PageBlobClient blob = storage.newDrive(64 * MIB);
        NbdServer doomed = NbdServer.startUnix(dir.resolve("doomed").resolve("drives.sock"));
        String lease = blob.acquireLease(60, java.util.UUID.randomUUID().toString());
        doomed.export("doomed", PageBlobDisk.open(blob, () -> lease, MIB));
        Process io = new ProcessBuilder("qemu-io", "-f", "raw", doomed.url("doomed"),
                "-c", "write -P 0xa1 0 4M", "-c", "flush", "-c", "write -P 0xb2 4M 60M", "-c", "flush")
                .redirectErrorStream(true).redirectOutput(dir.resolve("doomed.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> blob.read(4 * MIB, 512)[0] == (byte) 0xb2);
            doomed.close();
            assertThat(io.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            io.destroyForcibly();
            doomed.close();
        }

        assertThat(blob.read(0, 4 * MIB)).isEqualTo(filled(4 * MIB, 0xa1));
        assertThat(Files.readString(dir.resolve("doomed.log"))).doesNotContain("wrote 62914560");
    }
}
