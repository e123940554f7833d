package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.vmrole.server.StoragePlatform.json;

import com.azure.storage.blob.BlobClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedDrive;
import org.vmrole.model.host.ObservedInstance;

/** Drives made with the CLI: a fixed VHD in a page blob, downloaded through a read-only SAS and opened by qemu-img. */
class DrivesTest {
    @TempDir static Path dir;
    static StoragePlatform platform;
    static String contoso;

    @BeforeAll
    static void start() throws Exception {
        platform = new StoragePlatform(dir);
        contoso = platform.tenant("contoso");
        json(vmrole(contoso, "storage-account", "create", "contosodrives", "-o", "json"));
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    static StoragePlatform.Run vmrole(String key, String... args) {
        return platform.vmrole(key, args);
    }

    @Test
    void a_created_drive_downloads_as_a_fixed_vhd_that_qemu_img_opens() throws Exception {
        JsonNode d = json(vmrole(contoso, "drive", "create", "data", "--account", "contosodrives", "--size", "64MiB", "-o", "json"));
        assertThat(d.get("name").asText()).isEqualTo("data");
        assertThat(d.get("account").asText()).isEqualTo("contosodrives");
        assertThat(d.get("sizeBytes").asLong()).isEqualTo(64L << 20);
        assertThat(d.get("url").asText()).endsWith("/contosodrives/drives/data.vhd");

        JsonNode sas = json(vmrole(contoso, "drive", "sas", "data", "--account", "contosodrives", "--hours", "2", "-o", "json"));
        Path copy = dir.resolve("data.vhd");
        new BlobClientBuilder().endpoint(sas.get("url").asText()).buildClient().downloadToFile(copy.toString());
        assertThat(copy).hasSize((64L << 20) + 512);

        Process info = new ProcessBuilder("qemu-img", "info", "-f", "vpc", "--output", "json", copy.toString()).redirectErrorStream(true).start();
        String out = new String(info.getInputStream().readAllBytes());
        assertThat(info.waitFor()).as(out).isZero();
        JsonNode parsed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
        assertThat(parsed.get("format").asText()).isEqualTo("vpc");
        assertThat(parsed.get("virtual-size").asLong()).isEqualTo(64L << 20);

        assertThat(vmrole(contoso, "drive", "list").out()).startsWith("NAME").contains("data", "contosodrives", "67108864");
        JsonNode snap = json(vmrole(contoso, "drive", "snapshot", "data", "-o", "json"));
        assertThat(snap.get("url").asText()).contains("data.vhd?snapshot=");
    }

    @Test
    void a_blob_whose_size_is_not_whole_sectors_is_refused_before_a_host_attaches_it() throws Exception {
        String key = json(vmrole(contoso, "storage-account", "keys", "contosodrives", "-o", "json")).get("primaryKey").asText();
        String url = json(vmrole(contoso, "drive", "create", "sectors", "--account", "contosodrives", "--size", "1MiB", "-o", "json")).get("url").asText();
        String odd = url.replace("sectors.vhd", "odd.vhd");
        new BlobClientBuilder().endpoint(odd).credential(new com.azure.storage.common.StorageSharedKeyCredential("contosodrives", key)).buildClient()
                .upload(com.azure.core.util.BinaryData.fromBytes(new byte[1000]));

        var blob = org.vmrole.model.blob.PageBlobClient.of(java.net.URI.create(odd), new org.vmrole.model.blob.BlobCredential.SharedKey("contosodrives", key));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> org.vmrole.host.drive.PageBlobDisk.open(blob, null, 0))
                .hasMessageContaining("is 1000 bytes: a drive is a multiple of 512 bytes plus a 512-byte VHD footer");
    }

    @Test
    void a_size_that_is_not_whole_sectors_is_refused_with_the_fix() {
        var r = vmrole(contoso, "drive", "create", "odd", "--account", "contosodrives", "--size", "1000", "-o", "json");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("not a multiple of 512", "1024");
        assertThat(vmrole(contoso, "drive", "create", "odd", "--account", "contosodrives", "--size", "64MB").err()).contains("MiB");
    }

    @Test
    void a_drive_in_another_tenants_account_is_refused_and_a_deleted_drive_is_gone() throws Exception {
        String fabrikam = platform.tenant("fabrikam");
        var r = vmrole(fabrikam, "drive", "create", "steal", "--account", "contosodrives", "--size", "1MiB");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("storage account 'contosodrives' does not exist");

        json(vmrole(contoso, "drive", "create", "scratch", "--account", "contosodrives", "--size", "1MiB", "-o", "json"));
        assertThat(vmrole(fabrikam, "drive", "delete", "scratch").err()).contains("does not exist");
        var inUse = vmrole(contoso, "storage-account", "delete", "contosodrives");
        assertThat(inUse.err()).contains("drive scratch");
        assertThat(vmrole(contoso, "drive", "delete", "scratch").code()).isZero();
        assertThat(vmrole(contoso, "drive", "list").out()).doesNotContain("scratch");
    }

    @Test
    void a_deploy_binds_its_drives_and_refuses_an_unknown_drive_with_the_fix() throws Exception {
        String key = platform.tenant("woodgrove");
        String req = json(vmrole(key, "beta", "request", "vm-role", "--reason", "drives", "-o", "json")).get("id").asText();
        assertThat(vmrole(platform.admin, "beta", "approve", req).code()).isZero();
        Path img = dir.resolve("small.qcow2");
        assertThat(new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "8M").start().waitFor()).isZero();
        assertThat(vmrole(key, "image", "upload", img.toString(), "--name", "sample").code()).isZero();
        json(vmrole(key, "storage-account", "create", "woodgrovefiles", "-o", "json"));
        Path def = dir.resolve("ServiceDefinition.csdef");
        java.nio.file.Files.writeString(def, """
                <ServiceDefinition name="files"><VirtualMachineRole name="WriterVM" vmsize="ExtraSmall"/></ServiceDefinition>
                """);
        Path cfg = dir.resolve("ServiceConfiguration.cscfg");
        java.nio.file.Files.writeString(cfg, """
                <ServiceConfiguration serviceName="files"><Role name="WriterVM"><Instances count="1"/><OsImage href="sample"/>
                <Drives><Drive name="data" account="woodgrovefiles" drive="shared" mode="write"/></Drives></Role></ServiceConfiguration>
                """);

        var refused = vmrole(key, "deploy", "files", "--definition", def.toString(), "--config", cfg.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("drive 'shared' does not exist", "./vmrole drive create shared --account woodgrovefiles --size 64MiB");

        java.nio.file.Files.writeString(cfg, java.nio.file.Files.readString(cfg).replace("woodgrovefiles", "contosodrives"));
        var theirs = vmrole(key, "deploy", "files", "--definition", def.toString(), "--config", cfg.toString());
        assertThat(theirs.err()).as("another tenant's account").contains("storage account 'contosodrives' does not exist in subscription 'woodgrove'",
                "./vmrole storage-account create contosodrives");
        java.nio.file.Files.writeString(cfg, java.nio.file.Files.readString(cfg).replace("contosodrives", "woodgrovefiles"));

        json(vmrole(key, "drive", "create", "shared", "--account", "woodgrovefiles", "--size", "16MiB", "-o", "json"));
        var deployed = vmrole(key, "deploy", "files", "--definition", def.toString(), "--config", cfg.toString());
        assertThat(deployed.code()).as(deployed.err()).isZero();
        var deployment = platform.platform.fabric().listDeployments().stream().filter(d -> d.serviceName().equals("woodgrove/files")).findFirst().orElseThrow();
        var drive = deployment.roles().getFirst().drives().getFirst();
        assertThat(drive.name()).isEqualTo("data");
        assertThat(drive.mode()).isEqualTo("write");
        assertThat(drive.blobUrl()).endsWith("/woodgrovefiles/drives/shared.vhd");
        assertThat(drive.sizeBytes()).isEqualTo(16L << 20);
        assertThat(drive.accountKey()).as("no key in the deployment record").isEmpty();

        var assignment = new org.vmrole.model.host.Assignment(deployment.id(), new org.vmrole.model.InstanceName("WriterVM", 0), 1, 0,
                org.vmrole.model.VmSize.ExtraSmall, "sha256:00", 0, 0, java.util.Map.of(), java.util.List.of(), java.util.List.of(), null, "", null,
                deployment.roles().getFirst().drives());
        String accountKey = json(vmrole(key, "storage-account", "keys", "woodgrovefiles", "-o", "json")).get("primaryKey").asText();
        var keyed = platform.platform.api().drives().withKeys(assignment, "woodgrove");
        assertThat(keyed.drives().getFirst().accountKey()).as("a host gets the current key").isEqualTo(accountKey);
        assertThat(keyed.storageAccounts()).as("and the accounts its guest may mount from").containsExactly("woodgrovefiles");

        var inUse = vmrole(key, "drive", "delete", "shared");
        assertThat(inUse.code()).isNotZero();
        assertThat(inUse.err()).contains("drive 'shared' is mounted by deployment " + deployment.id() + " (files production) role WriterVM for writing");

        // the host that runs the instance reports the drive and its lease; status shows them
        var fabric = platform.platform.fabric();
        String token = fabric.issueJoinToken("drive-host");
        fabric.registerHost(token, new org.vmrole.fabric.controller.HostRegistration("drive-host", new org.vmrole.model.host.HostCapacity(4, 8192, 100), 0));
        // the reconciler places the instance on its next pass: until then the deployment has no instance to list
        await().atMost(Duration.ofSeconds(30)).until(() -> fabric.listInstances(deployment.id()).stream().anyMatch(i -> "drive-host".equals(i.host())));
        long incarnation = fabric.listInstances(deployment.id()).getFirst().incarnation();
        var drives = List.of(new ObservedDrive("data", "write", ObservedDrive.HELD, "WriterVM_IN_0#" + incarnation + " on drive-host:/var/lib/vmrole"));
        fabric.heartbeat("drive-host", token, List.of(new ObservedInstance(deployment.id() + "/WriterVM_IN_0", incarnation, 0, RoleState.ReadyRole,
                HealthCause.AGENT_READY, "", System.currentTimeMillis(), "vmrole-agent/1", drives)), 0);

        var status = json(vmrole(key, "status", "files", "-o", "json"));
        JsonNode drive0 = status.path("instances").get(0).path("drives").get(0);
        assertThat(drive0.path("name").asText()).isEqualTo("data");
        assertThat(drive0.path("mode").asText()).isEqualTo("write");
        assertThat(drive0.path("lease").asText()).isEqualTo("held");
        assertThat(drive0.path("holder").asText()).startsWith("WriterVM_IN_0#");
        var table = vmrole(key, "status", "files");
        assertThat(table.out()).contains("DRIVES").contains("data write (lease held)");
    }
}
