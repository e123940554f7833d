package org.vmrole.host.qemu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.host.HostAgent;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.host.drive.DriveLease;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.host.drive.RunningBlobService;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.storage.StorageAccount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A drive hot-plugged into the running sample image: the guest's virtio driver takes it, and lets go of it on detach. */
@Tag("vm")
class DriveVmTest {
    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final BlobCredential KEY = new BlobCredential.SharedKey(StorageAccount.DEVELOPMENT.name(), StorageAccount.DEVELOPMENT.keys().getFirst());
    private static Path image;

    @TempDir
    Path dir;
    private QemuSettings settings;
    private QemuDriver driver;
    private HostAgent host;
    private RunningBlobService storage;
    private final String key = "d-drv/WebVM_IN_0";

    @BeforeAll
    static void sampleImage() {
        image = SampleImage.ensure();
    }

    @BeforeEach
    void host() {
        storage = new RunningBlobService(dir.resolve("storage"));
        settings = QemuSettings.defaults(dir.resolve("host"), BaseImages.of(Map.of("sample", image)));
        driver = new QemuDriver(settings);
        host = new HostAgent(driver, settings.dataDir());
    }

    @AfterEach
    void stopAll() {
        host.stopAll();
        host.close();
        try (QemuDriver sweep = new QemuDriver(settings)) {
            for (Assignment a : sweep.recover()) sweep.kill(a.key());
        }
        storage.close();
    }

    @Test
    void a_drive_attached_to_a_running_instance_is_taken_by_the_guest_and_released_on_detach() {
        host.apply(List.of(new Assignment("d-drv", new InstanceName("WebVM", 0), 1, 0, VmSize.ExtraSmall, "sample", 0, 1,
                Map.of(), List.of(), List.of())));
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500))
                .until(() -> host.observe(key).map(o -> o.state() == RoleState.ReadyRole).orElse(false));
        PageBlobClient blob = storage.newDrive(16 << 20);

        driver.attachDrives(key, "host-a/" + key + "#1", List.of(new AttachedDrives.Mount("data", blob.url(), true, KEY)));

        QmpClient qmp = driver.qmp(key).orElseThrow();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> DriveHotplug.guestBound(qmp, "data"));
        assertThat(blob.properties().leased()).isTrue();
        assertThatThrownBy(() -> driver.attachDrives(key, "host-b/other#1", List.of(new AttachedDrives.Mount("again", blob.url(), true, KEY))))
                .hasMessageContaining("already has its drives open");

        driver.detachDrives(key, Duration.ofSeconds(60));

        assertThat(DriveHotplug.attached(qmp, "data")).as("the guest let go of the device").isFalse();
        assertThat(blob.properties().leased()).isFalse();
        assertThat(driver.drives(key)).isEmpty();
    }

    @Test
    void an_instance_started_with_a_drive_has_it_at_boot_keeps_it_across_reimage_and_lets_it_go_on_stop() {
        PageBlobClient blob = storage.newDrive(16 << 20);
        DriveAttachment data = writable(blob);

        host.apply(List.of(withDrive(1, data)));
        awaitReady(1);
        assertThat(DriveHotplug.guestBound(driver.qmp(key).orElseThrow(), "data")).isTrue();
        assertThat(blob.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#1 on ");

        host.apply(List.of(withDrive(2, data)));
        awaitReady(2);
        assertThat(DriveHotplug.guestBound(driver.qmp(key).orElseThrow(), "data")).isTrue();
        assertThat(blob.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#2 on ");

        host.apply(List.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> host.observe(key).isEmpty());
        assertThat(blob.properties().leased()).isFalse();
    }

    private static DriveAttachment writable(PageBlobClient blob) {
        return new DriveAttachment("data", blob.url().toString(), DriveAttachment.WRITE, StorageAccount.DEVELOPMENT.name(),
                StorageAccount.DEVELOPMENT.keys().getFirst(), 16 << 20);
    }

    private Assignment withDrive(long incarnation, DriveAttachment drive) {
        return new Assignment("d-drv", new InstanceName("WebVM", 0), incarnation, 0, VmSize.ExtraSmall, "sample", 0, 1,
                Map.of(), List.of(), List.of(), null, "", null, List.of(drive));
    }

    private void awaitReady(long incarnation) {
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> host.observe(key)
                .map(o -> o.state() == RoleState.ReadyRole && o.incarnation() == incarnation).orElse(false));
    }

    @Test
    void a_restarted_host_agent_serves_the_drives_of_the_vms_that_outlived_it_again() {
        PageBlobClient blob = storage.newDrive(16 << 20);
        DriveAttachment data = writable(blob);
        host.apply(List.of(withDrive(1, data)));
        awaitReady(1);
        assertThat(driver.driveClients(key, "data")).isEqualTo(1);

        host.close(); // the agent goes away; the VM keeps running, its NBD client loses the server
        driver = new QemuDriver(settings);
        host = new HostAgent(driver, settings.dataDir());

        assertThat(driver.drives(key)).extracting(org.vmrole.model.host.ObservedDrive::mode).containsExactly("write");
        // QEMU reconnects on the next request: read through the guest's own disk device, as its next I/O would
        QmpClient qmp = driver.qmp(key).orElseThrow();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            qmp.execute("human-monitor-command", Map.of("command-line", "qemu-io -d /machine/peripheral/drive-data/virtio-backend \"read 0 4k\""));
            return driver.driveClients(key, "data") == 1;
        });
        assertThat(blob.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#1 on ");
        assertThat(blob.properties().leased()).isTrue();
    }
}
