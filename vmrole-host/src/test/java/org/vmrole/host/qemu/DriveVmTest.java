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

    /**
     * The whole life of a written drive through the sample app: the writer formats it ext4 and writes files; a second
     * instance mounting a snapshot reads what was synced before the snapshot and nothing after; its guest asking its host
     * (mount-drive, through the agent) for the drive for writing is refused, naming the writer, and for another drive
     * gets the device; after a reimage the writer's files are there; stop lets it go.
     */
    @Test
    void a_writer_keeps_its_files_across_reimage_while_a_snapshot_reader_sees_what_was_synced_and_a_second_writer_is_refused() throws Exception {
        PageBlobClient blob = storage.newDrive(16 << 20);
        int writerPort = freePort();
        int readerPort = freePort();
        Assignment writer = instance(0, 1, writerPort, writable(blob));

        host.apply(List.of(writer));
        awaitReady(key, 1);
        assertThat(get(writerPort, "/drive/write?name=before")).isEqualTo("200 wrote before to drive data");
        assertThat(blob.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#1 on ");

        String reader = "d-drv/WebVM_IN_1";
        host.apply(List.of(writer, instance(1, 1, readerPort, snapshotOf(blob))));
        awaitReady(reader, 1);
        assertThat(get(writerPort, "/drive/write?name=after")).isEqualTo("200 wrote after to drive data");

        assertThat(get(readerPort, "/drive/read?name=before")).startsWith("200 file before written by WebVM_IN_0 incarnation=1 uptime=");
        assertThat(get(readerPort, "/drive/read?name=after")).as("written after the snapshot").startsWith("404");
        assertThat(get(readerPort, "/drive/write?name=x")).as("a snapshot is read-only").isEqualTo("409 drive data is a read-only snapshot");

        // the reader's guest asks its host for drives through the agent channel (mount-drive)
        String accountKey = "&key=" + enc(StorageAccount.DEVELOPMENT.keys().getFirst());
        assertThat(get(readerPort, "/drive/mount?name=again&url=" + enc(blob.url().toString()) + accountKey))
                .startsWith("409 drive again: ").contains("attached for writing by " + key + "#1 on ");
        assertThat(DriveHotplug.attached(driver.qmp(reader).orElseThrow(), "again")).as("nothing attached").isFalse();
        PageBlobClient extra = storage.newDrive(4 << 20);
        assertThat(get(readerPort, "/drive/mount?name=extra&url=" + enc(extra.url().toString()) + accountKey)).isEqualTo("200 /dev/disk/by-id/virtio-extra");
        assertThat(DriveHotplug.attached(driver.qmp(reader).orElseThrow(), "extra")).isTrue();
        assertThat(driver.drives(reader)).extracting(org.vmrole.model.host.ObservedDrive::name).containsExactly("data", "extra");
        assertThat(extra.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(reader + "#1 on ");

        host.apply(List.of(instance(0, 2, writerPort, writable(blob))));
        awaitReady(key, 2);
        assertThat(get(writerPort, "/drive/read?name=before")).startsWith("200 file before written by WebVM_IN_0 incarnation=1");
        assertThat(get(writerPort, "/drive/read?name=after")).startsWith("200 file after written by WebVM_IN_0 incarnation=1");
        assertThat(blob.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#2 on ");

        host.apply(List.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> host.observe().isEmpty());
        assertThat(blob.properties().leased()).isFalse();
    }

    /**
     * SIGKILL of the host agent while its guest writes: every write the guest was told is synced (its HTTP answer came
     * after {@code sync}) is in the page blob, read back through the Blob API.
     */
    @Test
    void every_write_the_guest_synced_is_in_the_page_blob_after_the_host_agent_is_killed() throws Exception {
        PageBlobClient blob = storage.newDrive(16 << 20);
        int port = freePort();
        host.close();
        Process agentJvm = HostAgentProcess.launch(settings.dataDir(), image, port, blob.url().toString(), StorageAccount.DEVELOPMENT.name(),
                StorageAccount.DEVELOPMENT.keys().getFirst(), Long.toString(16 << 20));
        List<String> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            HostAgentProcessOutput.awaitLine(agentJvm, "applied", Duration.ofSeconds(60));
            await().atMost(BOOT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> get(port, "/drive/write?name=w0").startsWith("200"));
            synced.add("w0");
            java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
            Thread killer = Thread.ofVirtual().start(() -> {
                // mid-write: once a few writes are acknowledged, while the loop below goes on writing
                await().atMost(BOOT).until(() -> synced.size() >= 3);
                agentJvm.destroyForcibly(); // SIGKILL
                killed.set(true);
            });
            for (int i = 1; i < 1000; i++) {
                String answer;
                try {
                    answer = get(port, "/drive/write?name=w" + i);
                } catch (java.io.IOException e) {
                    break; // the guest's I/O hangs on the lost NBD server: no answer, so not acknowledged
                }
                if (!answer.startsWith("200")) break;
                synced.add("w" + i);
                if (killed.get() && i > 200) break;
            }
            killer.join();
        } finally {
            agentJvm.destroyForcibly().waitFor();
        }
        assertThat(synced.size()).as("writes acknowledged before and around the kill").isGreaterThan(1);
        System.out.printf("host agent kill -9 mid-write: %d synced writes, each checked in the page blob%n", synced.size());

        byte[] disk = blob.read(0, 16 << 20);
        String raw = new String(disk, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String name : synced) assertThat(raw).as("synced file " + name + " is in the page blob").contains("file " + name + " written by Web_IN_0");
        assertThat(blob.properties().leased()).as("the dead agent's lease stays until it lapses or the controller breaks it").isTrue();
        // a new agent takes the VM (and the lease, same holder) back, so the sweep after the test ends it
        driver = new QemuDriver(settings);
        host = new HostAgent(driver, settings.dataDir());
    }

    private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** GET through the instance's forwarded port: "STATUS body" (body without its newline). */
    private String get(int port, String path) throws Exception {
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int freePort() throws java.io.IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static DriveAttachment snapshotOf(PageBlobClient blob) {
        return new DriveAttachment("data", blob.url().toString(), DriveAttachment.SNAPSHOT, StorageAccount.DEVELOPMENT.name(),
                StorageAccount.DEVELOPMENT.keys().getFirst(), 16 << 20);
    }

    private Assignment instance(int index, long incarnation, int port, DriveAttachment drive) {
        return new Assignment("d-drv", new InstanceName("WebVM", index), incarnation, 0, VmSize.ExtraSmall, "sample", 0, 1, Map.of(),
                List.of(new org.vmrole.model.host.EndpointBinding("HttpIn", "http", 80, port)), List.of(), null, "", null, List.of(drive),
                List.of(StorageAccount.DEVELOPMENT.name()));
    }

    private static DriveAttachment writable(PageBlobClient blob) {
        return new DriveAttachment("data", blob.url().toString(), DriveAttachment.WRITE, StorageAccount.DEVELOPMENT.name(),
                StorageAccount.DEVELOPMENT.keys().getFirst(), 16 << 20);
    }

    private void awaitReady(long incarnation) {
        awaitReady(key, incarnation);
    }

    private void awaitReady(String instance, long incarnation) {
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> host.observe(instance)
                .map(o -> o.state() == RoleState.ReadyRole && o.incarnation() == incarnation).orElse(false));
    }

    /**
     * A guest's mount-drive refused before anything is attached (an expired SAS, another tenant's account), then one
     * carried out; a restarted agent serves both the declared drive and the one the guest mounted again.
     */
    @Test
    void a_restarted_host_agent_serves_the_declared_and_the_guest_mounted_drives_of_the_vms_that_outlived_it_again() throws Exception {
        PageBlobClient blob = storage.newDrive(16 << 20);
        PageBlobClient extra = storage.newDrive(4 << 20);
        int port = freePort();
        host.apply(List.of(instance(0, 1, port, writable(blob))));
        awaitReady(1);
        assertThat(driver.driveClients(key, "data")).isEqualTo(1);

        String expired = ((BlobCredential.SharedKey) KEY).readSas(extra.url(), null, java.time.Instant.now().minus(Duration.ofHours(1)));
        assertThat(get(port, "/drive/mount?name=old&url=" + enc(extra.url() + "?" + expired)))
                .startsWith("409 drive old: the SAS expired at ").contains("ask for a new one");
        String foreign = extra.url().toString().replace("/" + StorageAccount.DEVELOPMENT.name() + "/", "/othertenant/");
        String accountKey = "&key=" + enc(StorageAccount.DEVELOPMENT.keys().getFirst());
        assertThat(get(port, "/drive/mount?name=foreign&url=" + enc(foreign) + accountKey))
                .startsWith("409 drive foreign: the blob is in storage account 'othertenant', which is not one of this subscription's");
        QmpClient before = driver.qmp(key).orElseThrow();
        assertThat(DriveHotplug.attached(before, "old") || DriveHotplug.attached(before, "foreign")).as("nothing attached").isFalse();
        assertThat(extra.properties().leased()).isFalse();
        assertThat(get(port, "/drive/mount?name=extra&url=" + enc(extra.url().toString()) + accountKey)).isEqualTo("200 /dev/disk/by-id/virtio-extra");

        host.close(); // the agent goes away; the VM keeps running, its NBD clients lose the server
        driver = new QemuDriver(settings);
        host = new HostAgent(driver, settings.dataDir());

        assertThat(driver.drives(key)).extracting(org.vmrole.model.host.ObservedDrive::name).containsExactly("data", "extra");
        // QEMU reconnects on the next request: read through each device, as the guest's next I/O would
        QmpClient qmp = driver.qmp(key).orElseThrow();
        for (String drive : List.of("data", "extra")) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                qmp.execute("human-monitor-command", Map.of("command-line", "qemu-io -d /machine/peripheral/drive-" + drive + "/virtio-backend \"read 0 4k\""));
                return driver.driveClients(key, drive) == 1;
            });
        }
        assertThat(blob.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#1 on ");
        assertThat(extra.properties().metadata().get(DriveLease.HOLDER_METADATA)).startsWith(key + "#1 on ");
        assertThat(extra.properties().leased()).isTrue();
        assertThat(get(port, "/drive/write?name=after-restart")).as("the guest's own I/O to its drive").isEqualTo("200 wrote after-restart to drive data");
    }
}
