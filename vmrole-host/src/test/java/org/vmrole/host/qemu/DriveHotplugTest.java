package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.host.drive.PageBlobDisk;
import org.vmrole.host.drive.RunningBlobService;
import org.vmrole.host.nbd.NbdServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Drives hot-plugged into a real (paused, guestless) q35 QEMU over QMP, served by the NBD server from the real storage service. */
class DriveHotplugTest {
    @TempDir
    Path dir;
    private GuestlessQemu qemu;
    private QmpClient qmp;
    private RunningBlobService storage;
    private NbdServer nbd;

    @BeforeEach
    void start() throws Exception {
        storage = new RunningBlobService(dir.resolve("storage"));
        nbd = NbdServer.startUnix(dir.resolve("nbd").resolve("drives.sock"));
        qemu = new GuestlessQemu(dir);
        qmp = qemu.qmp;
    }

    @AfterEach
    void stop() {
        if (qemu != null) qemu.close();
        nbd.close();
        storage.close();
    }

    private PageBlobClient exported(String name) {
        PageBlobClient blob = storage.newDrive(4 << 20);
        String lease = blob.acquireLease(60, UUID.randomUUID().toString());
        nbd.export(name, PageBlobDisk.open(blob, () -> lease, 1 << 20));
        return blob;
    }

    private DriveHotplug.NbdTarget target(String export) {
        return new DriveHotplug.NbdTarget(nbd.socketPath().orElseThrow(), export);
    }

    /** The block node QEMU made for a drive, as query-named-block-nodes describes it. */
    private JsonNode node(String drive) {
        for (JsonNode n : qmp.execute("query-named-block-nodes", Map.of("flat", true))) {
            if (n.path("node-name").asText().equals(DriveHotplug.deviceId(drive) + "-nbd")) return n;
        }
        throw new AssertionError("no block node for drive " + drive);
    }

    @Test
    void an_attached_drive_is_a_virtio_disk_named_by_its_serial_and_backed_by_the_export() {
        exported("data");

        DriveHotplug.attach(qmp, "data", target("data"), false);

        assertThat(DriveHotplug.attached(qmp, "data")).isTrue();
        assertThat(qmp.execute("qom-get", Map.of("path", "/machine/peripheral/drive-data", "property", "serial")).asText()).isEqualTo("data");
        assertThat(node("data").path("drv").asText()).isEqualTo("nbd");
        assertThat(node("data").path("file").asText()).isEqualTo(nbd.url("data"));
        assertThat(node("data").path("ro").asBoolean()).isFalse();
        assertThat(node("data").path("image").path("virtual-size").asLong()).isEqualTo(4 << 20);
    }

    @Test
    void a_snapshot_drive_is_attached_read_only() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        nbd.export("snap", PageBlobDisk.open(blob.atSnapshot(blob.createSnapshot()), null, 0));

        DriveHotplug.attach(qmp, "snap", target("snap"), true);

        assertThat(node("snap").path("ro").asBoolean()).isTrue();
    }

    @Test
    void an_unknown_export_leaves_nothing_attached() {
        assertThatThrownBy(() -> DriveHotplug.attach(qmp, "ghost", target("ghost"), false))
                .isInstanceOf(QmpException.class).hasMessageContaining("cannot open NBD export 'ghost'");

        assertThat(DriveHotplug.attached(qmp, "ghost")).isFalse();
        exported("ghost");
        DriveHotplug.attach(qmp, "ghost", target("ghost"), false);
        assertThat(DriveHotplug.attached(qmp, "ghost")).isTrue();
    }

    @Test
    void a_fifth_drive_is_refused_for_want_of_a_port() {
        for (int i = 0; i < DriveHotplug.PORTS; i++) {
            exported("d" + i);
            DriveHotplug.attach(qmp, "d" + i, target("d" + i), false);
        }
        exported("extra");

        assertThatThrownBy(() -> DriveHotplug.attach(qmp, "extra", target("extra"), false)).hasMessageContaining("no free drive port");
    }

    @Test
    void detaching_waits_for_the_guest_and_says_when_it_did_not_let_go() {
        exported("held");
        DriveHotplug.attach(qmp, "held", target("held"), false);
        qmp.execute("cont");

        // no operating system answers the PCIe attention button here, so the device stays
        assertThat(DriveHotplug.detach(qmp, "held", Duration.ofSeconds(2))).isFalse();
        assertThat(DriveHotplug.attached(qmp, "held")).isTrue();
        assertThat(DriveHotplug.detach(qmp, "never-attached", Duration.ofSeconds(2))).isTrue();
    }
}
