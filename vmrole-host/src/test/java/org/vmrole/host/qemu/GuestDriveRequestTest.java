package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.DriveAttachment;

class GuestDriveRequestTest {
    private static final Instant NOW = Instant.parse("2026-12-04T18:00:00Z");
    private static final String URL = "http://127.0.0.1:10000/contosofiles/drives/extra.vhd";
    private final Assignment assignment = new Assignment("d-1", new InstanceName("Writer", 0), 1, 0, VmSize.ExtraSmall, "sha256:00", 0, 0, Map.of(),
            List.of(), List.of(), null, "", null, List.of(new DriveAttachment("data", URL, "write", "contosofiles", "a2V5", 1 << 20)),
            List.of("contosofiles"));

    private static JsonNode message(String json) throws Exception {
        return new ObjectMapper().readTree(json);
    }

    private GuestDriveRequest read(String json) throws Exception {
        return GuestDriveRequest.read(message(json), assignment, NOW);
    }

    @Test
    void a_mount_with_a_sas_in_the_subscriptions_account_becomes_a_drive_to_attach() throws Exception {
        var r = read("{\"type\":\"mount-drive\",\"name\":\"extra\",\"url\":\"" + URL + "\",\"sas\":\"sv=2021-08-06&se=2026-12-05T00%3A00%3A00Z&sp=rw&sig=abc\"}");

        assertThat(r.mount().name()).isEqualTo("extra");
        assertThat(r.mount().blobUrl().toString()).isEqualTo(URL);
        assertThat(r.mount().writable()).isTrue();
        assertThat(r.mount().credential()).isInstanceOf(BlobCredential.Sas.class);
        assertThat(GuestDriveRequest.mounted(r.mount())).containsEntry("device", "/dev/disk/by-id/virtio-extra").containsEntry("mode", "write");
    }

    @Test
    void a_sas_url_and_an_account_key_are_credentials_too() throws Exception {
        assertThat(read("{\"name\":\"extra\",\"url\":\"" + URL + "?sv=1&se=2027-01-01&sig=abc\",\"mode\":\"snapshot\"}").mount().writable()).isFalse();
        assertThat(read("{\"name\":\"extra\",\"url\":\"" + URL + "\",\"accountKey\":\"a2V5\"}").mount().credential())
                .isEqualTo(new BlobCredential.SharedKey("contosofiles", "a2V5"));
    }

    @Test
    void a_blob_in_another_tenants_account_is_refused() {
        assertThatThrownBy(() -> read("{\"name\":\"extra\",\"url\":\"http://127.0.0.1:10000/fabrikamfiles/drives/x.vhd\",\"accountKey\":\"a2V5\"}"))
                .hasMessageContaining("storage account 'fabrikamfiles', which is not one of this subscription's [contosofiles]");
    }

    @Test
    void an_expired_sas_is_refused_with_its_expiry() {
        assertThatThrownBy(() -> read("{\"name\":\"extra\",\"url\":\"" + URL + "\",\"sas\":\"sv=1&se=2026-12-04T17%3A00%3A00Z&sp=r&sig=abc\"}"))
                .hasMessageContaining("the SAS expired at 2026-12-04T17:00:00Z");
    }

    @Test
    void names_modes_urls_and_missing_credentials_are_refused_with_the_fix() {
        assertThatThrownBy(() -> read("{\"name\":\"Bad_Name\",\"url\":\"" + URL + "\",\"accountKey\":\"a2V5\"}")).hasMessageContaining("'name' must be");
        assertThatThrownBy(() -> read("{\"name\":\"data\",\"url\":\"" + URL + "\",\"accountKey\":\"a2V5\"}")).hasMessageContaining("one the role declares");
        assertThatThrownBy(() -> read("{\"name\":\"extra\",\"url\":\"" + URL + "\",\"accountKey\":\"a2V5\",\"mode\":\"rw\"}")).hasMessageContaining("'write' or 'snapshot'");
        assertThatThrownBy(() -> read("{\"name\":\"extra\",\"url\":\"ftp://x/y\",\"accountKey\":\"a2V5\"}")).hasMessageContaining("ACCOUNT/CONTAINER/BLOB");
        assertThatThrownBy(() -> read("{\"name\":\"extra\",\"url\":\"" + URL + "\"}")).hasMessageContaining("give a 'sas'");
        assertThatThrownBy(() -> read("{\"name\":\"extra\",\"url\":\"" + URL + "\",\"sas\":\"sv=1\"}")).hasMessageContaining("no signature");
    }
}
