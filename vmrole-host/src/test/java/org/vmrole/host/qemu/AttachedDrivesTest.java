package org.vmrole.host.qemu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.host.drive.DriveLease;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.host.drive.RunningBlobService;
import org.vmrole.storage.StorageAccount;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A host's drives end to end below the guest: real storage service, real NBD export, real QEMU taking the hot-plug. */
class AttachedDrivesTest {
    static final BlobCredential KEY = new BlobCredential.SharedKey(StorageAccount.DEVELOPMENT.name(), StorageAccount.DEVELOPMENT.keys().getFirst());
    @TempDir
    Path dir;
    private RunningBlobService storage;
    private GuestlessQemu vm;
    private AttachedDrives drives;

    @BeforeEach
    void start() throws Exception {
        storage = new RunningBlobService(dir.resolve("storage"));
        vm = new GuestlessQemu(dir);
        drives = new AttachedDrives(dir.resolve("nbd").resolve("drives.sock"));
    }

    @AfterEach
    void stop() {
        drives.close();
        vm.close();
        storage.close();
    }

    @Test
    void a_new_account_key_from_the_controller_replaces_the_key_drives_already_sign_with() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        String account = StorageAccount.DEVELOPMENT.name();
        BlobCredential signing = drives.accountKey(account, StorageAccount.DEVELOPMENT.keys().getFirst());
        PageBlobClient attached = PageBlobClient.of(blob.url(), signing);
        assertThat(attached.properties().size()).isEqualTo((1 << 20) + 512);

        drives.accountKey(account, "bm90IHRoZSBrZXk=");
        assertThatThrownBy(attached::properties).as("the account's key is now another").hasMessageContaining("403");

        drives.accountKey(account, StorageAccount.DEVELOPMENT.keys().getFirst());
        assertThat(attached.properties().size()).as("signed with the right key again").isEqualTo((1 << 20) + 512);
    }

    @Test
    void a_drive_a_guest_asks_for_is_plugged_beside_the_others_and_unplugged_alone() {
        PageBlobClient declared = storage.newDrive(1 << 20);
        PageBlobClient extra = storage.newDrive(1 << 20);
        drives.open("d-1/Web_IN_0", "d-1/Web_IN_0#1 on host-a", List.of(new AttachedDrives.Mount("data", declared.url(), true, KEY)));
        drives.plug("d-1/Web_IN_0", vm.qmp);

        drives.add("d-1/Web_IN_0", "d-1/Web_IN_0#1 on host-a", new AttachedDrives.Mount("extra", extra.url(), true, KEY), vm.qmp);

        assertThat(DriveHotplug.attached(vm.qmp, "extra")).isTrue();
        assertThat(drives.attached("d-1/Web_IN_0")).extracting(org.vmrole.model.host.ObservedDrive::name).containsExactly("data", "extra");
        assertThat(extra.properties().leased()).isTrue();

        assertThat(drives.remove("d-1/Web_IN_0", "extra", vm.qmp, java.time.Duration.ofSeconds(5))).isTrue();

        assertThat(extra.properties().leased()).isFalse();
        assertThat(declared.properties().leased()).as("the declared drive stays").isTrue();
        assertThat(drives.remove("d-1/Web_IN_0", "extra", vm.qmp, java.time.Duration.ofSeconds(5))).as("gone already").isFalse();
    }

    @Test
    void a_guests_mount_that_cannot_be_had_attaches_nothing_and_says_why() {
        PageBlobClient held = storage.newDrive(1 << 20);
        drives.open("d-1/Web_IN_0", "d-1/Web_IN_0#1 on host-a", List.of(new AttachedDrives.Mount("data", held.url(), true, KEY)));
        PageBlobClient notVhd = storage.newPageBlob(1 << 20);
        String key = "d-1/Web_IN_1";

        assertThatThrownBy(() -> drives.add(key, "d-1/Web_IN_1#1 on host-b", new AttachedDrives.Mount("data", held.url(), true, KEY), vm.qmp))
                .hasMessageContaining("attached for writing by d-1/Web_IN_0#1 on host-a");
        assertThatThrownBy(() -> drives.add(key, "d-1/Web_IN_1#1 on host-b", new AttachedDrives.Mount("raw", notVhd.url(), true, KEY), vm.qmp))
                .hasMessageContaining("not a fixed VHD");

        assertThat(drives.attached(key)).isEmpty();
        assertThat(notVhd.properties().leased()).isFalse();
        for (String name : List.of("data", "raw")) assertThat(DriveHotplug.attached(vm.qmp, name)).as(name).isFalse();
    }

    @Test
    void a_written_drive_is_leased_to_its_instance_plugged_in_and_released_on_stop() {
        PageBlobClient blob = storage.newDrive(4 << 20);

        drives.open("d-1/Web_IN_0", "host-a/d-1/Web_IN_0#1", List.of(new AttachedDrives.Mount("data", blob.url(), true, KEY)));
        drives.plug("d-1/Web_IN_0", vm.qmp);

        assertThat(DriveHotplug.attached(vm.qmp, "data")).isTrue();
        assertThat(blob.properties().metadata()).containsEntry(DriveLease.HOLDER_METADATA, "host-a/d-1/Web_IN_0#1");
        assertThat(drives.attached("d-1/Web_IN_0")).extracting(org.vmrole.model.host.ObservedDrive::mode).containsExactly("write");

        drives.release("d-1/Web_IN_0");

        assertThat(blob.properties().leased()).isFalse();
        assertThat(drives.attached("d-1/Web_IN_0")).isEmpty();
    }

    @Test
    void a_second_instance_asking_to_write_is_refused_naming_the_holder_and_keeps_nothing_open() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        PageBlobClient other = storage.newDrive(4 << 20);
        drives.open("d-1/Web_IN_0", "host-a/d-1/Web_IN_0#1", List.of(new AttachedDrives.Mount("data", blob.url(), true, KEY)));

        assertThatThrownBy(() -> drives.open("d-1/Web_IN_1", "host-b/d-1/Web_IN_1#1", List.of(
                new AttachedDrives.Mount("other", other.url(), true, KEY),
                new AttachedDrives.Mount("data", blob.url(), true, KEY))))
                .hasMessageContaining("attached for writing by host-a/d-1/Web_IN_0#1");

        assertThat(drives.attached("d-1/Web_IN_1")).isEmpty();
        assertThat(other.properties().leased()).as("the drive opened before the refusal is let go").isFalse();
    }

    @Test
    void a_snapshot_mount_reads_while_the_writer_holds_the_lease() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        drives.open("d-1/Web_IN_0", "host-a/d-1/Web_IN_0#1", List.of(new AttachedDrives.Mount("data", blob.url(), true, KEY)));

        drives.open("d-1/Web_IN_1", "host-b/d-1/Web_IN_1#1", List.of(new AttachedDrives.Mount("data", blob.url(), false, KEY)));
        drives.plug("d-1/Web_IN_1", vm.qmp);

        assertThat(drives.attached("d-1/Web_IN_1")).extracting(org.vmrole.model.host.ObservedDrive::mode).containsExactly("snapshot");
        assertThat(DriveHotplug.attached(vm.qmp, "data")).isTrue();
    }

    @Test
    void a_blob_that_is_not_a_fixed_vhd_is_refused_and_its_lease_let_go() {
        PageBlobClient blob = storage.newPageBlob(4 << 20);

        assertThatThrownBy(() -> drives.open("d-1/Web_IN_0", "host-a/d-1/Web_IN_0#1", List.of(new AttachedDrives.Mount("data", blob.url(), true, KEY))))
                .hasMessageContaining("not a fixed VHD");

        assertThat(blob.properties().leased()).isFalse();
    }

    @Test
    void a_wrong_account_key_is_refused_with_the_storage_services_answer() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        BlobCredential wrong = new BlobCredential.SharedKey(StorageAccount.DEVELOPMENT.name(), "AAAA");

        assertThatThrownBy(() -> drives.open("d-1/Web_IN_0", "h", List.of(new AttachedDrives.Mount("data", blob.url(), true, wrong))))
                .hasMessageContaining("403");
    }

    @Test
    void a_lease_left_by_an_earlier_incarnation_of_the_same_instance_is_waited_out() {
        PageBlobClient blob = storage.newDrive(4 << 20);
        String dead = blob.acquireLease(15, java.util.UUID.randomUUID().toString());
        blob.setMetadata(java.util.Map.of(DriveLease.HOLDER_METADATA, "d-1/Web_IN_0#1 on dead-host"), dead);

        drives.open("d-1/Web_IN_0", "d-1/Web_IN_0#2 on host-b", List.of(new AttachedDrives.Mount("data", blob.url(), true, KEY)));

        assertThat(blob.properties().metadata()).containsEntry(DriveLease.HOLDER_METADATA, "d-1/Web_IN_0#2 on host-b");
    }

    @Test
    void more_drives_than_ports_are_refused_before_anything_is_leased() {
        List<AttachedDrives.Mount> five = new java.util.ArrayList<>();
        for (int i = 0; i < DriveHotplug.PORTS + 1; i++) five.add(new AttachedDrives.Mount("d" + i, storage.newDrive(1 << 20).url(), true, KEY));

        assertThatThrownBy(() -> drives.open("d-1/Web_IN_0", "h", five)).hasMessageContaining("at most " + DriveHotplug.PORTS);
        assertThat(PageBlobClient.of(five.getFirst().blobUrl(), KEY).properties().leased()).isFalse();
    }
}
