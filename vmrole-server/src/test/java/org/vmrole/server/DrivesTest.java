package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmrole.server.StoragePlatform.json;

import com.azure.storage.blob.BlobClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
