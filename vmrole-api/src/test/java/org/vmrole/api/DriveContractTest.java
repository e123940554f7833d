package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;

/** The drive routes against a real storage service: bad input is a 4xx naming the field, never a 5xx. */
class DriveContractTest {
    @TempDir Path dir;
    ApiFixture fx;
    StorageService storage;
    String contoso;
    String fabrikam;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        storage = StorageService.start(StorageConfig.development(dir.resolve("storage")).withEphemeralPorts());
        fx.api.storageAccounts().serveAt(storage.endpoints("127.0.0.1"));
        fx.api.storageAccounts().onChange(storage.accounts()::replaceManaged);
        contoso = fx.subscriptionWithKey("contoso");
        fabrikam = fx.subscriptionWithKey("fabrikam");
        fx.client.call("POST", "/storage-accounts", contoso, "{\"name\":\"contosofiles\"}");
        fx.client.call("POST", "/storage-accounts", fabrikam, "{\"name\":\"fabrikamfiles\"}");
    }

    @AfterEach
    void stop() {
        storage.close();
        fx.close();
    }

    private ApiClient.Reply create(String key, String name, String account, long size) throws Exception {
        return fx.client.call("POST", "/drives", key, "{\"name\":\"" + name + "\",\"account\":\"" + account + "\",\"sizeBytes\":" + size + "}");
    }

    @Test
    void a_drive_is_created_once_and_answers_its_url_and_size() throws Exception {
        var r = create(contoso, "data", "contosofiles", 1 << 20);
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body().get("url").asText()).isEqualTo("http://127.0.0.1:" + storage.blobPort() + "/contosofiles/drives/data.vhd");
        assertThat(r.body().get("sizeBytes").asLong()).isEqualTo(1 << 20);
        var again = create(contoso, "data", "contosofiles", 1 << 20);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("DriveExists");
    }

    @Test
    void sizes_and_names_are_checked_with_the_rule_in_the_error() throws Exception {
        var odd = create(contoso, "odd", "contosofiles", 1000);
        assertThat(odd.status()).isEqualTo(400);
        assertThat(odd.errorCode()).isEqualTo("InvalidSize");
        assertThat(odd.body().path("error").path("message").asText()).contains("not a multiple of 512", "1024");
        assertThat(create(contoso, "big", "contosofiles", (1L << 40) + 512).errorCode()).isEqualTo("InvalidSize");
        assertThat(create(contoso, "Bad_Name", "contosofiles", 1 << 20).errorCode()).isEqualTo("InvalidDriveName");
        var missing = fx.client.call("POST", "/drives", contoso, "{\"name\":\"x\",\"account\":\"contosofiles\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().path("error").path("target").asText()).isEqualTo("sizeBytes");
        assertThat(fx.client.call("POST", "/drives/x/sas", contoso, "{\"hours\":0}").status()).isEqualTo(404);
    }

    @Test
    void another_tenants_account_and_drives_are_not_found() throws Exception {
        var r = create(contoso, "steal", "fabrikamfiles", 1 << 20);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("StorageAccountNotFound");
        create(fabrikam, "theirs", "fabrikamfiles", 1 << 20);
        for (String[] call : new String[][] {{"GET", "/drives/theirs"}, {"POST", "/drives/theirs/snapshot"}, {"POST", "/drives/theirs/sas"},
                {"DELETE", "/drives/theirs"}}) {
            assertThat(fx.client.call(call[0], call[1], contoso, null).status()).as(call[0] + " " + call[1]).isEqualTo(404);
        }
        assertThat(fx.client.call("GET", "/drives", contoso, null).body().get("drives")).isEmpty();
        var hours = fx.client.call("POST", "/drives/theirs/sas", fabrikam, "{\"hours\":0}");
        assertThat(hours.status()).isEqualTo(400);
        assertThat(hours.errorCode()).isEqualTo("InvalidHours");
    }

    @Test
    void the_writers_lease_of_a_fenced_hosts_drive_is_broken_with_the_accounts_key() throws Exception {
        String url = create(contoso, "data", "contosofiles", 1 << 20).body().get("url").asText();
        String key = fx.client.call("GET", "/storage-accounts/contosofiles/keys", contoso, null).body().get("primaryKey").asText();
        var blob = org.vmrole.model.blob.PageBlobClient.of(java.net.URI.create(url), new org.vmrole.model.blob.BlobCredential.SharedKey("contosofiles", key));
        blob.acquireLease(60, "11111111-1111-1111-1111-111111111111");
        var drive = new org.vmrole.model.host.DriveAttachment("data", url, "write", "contosofiles", "", 1 << 20);

        int broken = new org.vmrole.api.drives.FencedLeases(fx.api.storageAccounts())
                .breakAll(new org.vmrole.fabric.controller.FencedHost("host-a", java.util.List.of(drive)));

        assertThat(broken).isOne();
        assertThat(blob.acquireLease(60, "22222222-2222-2222-2222-222222222222")).as("a new writer takes it at once")
                .isEqualTo("22222222-2222-2222-2222-222222222222");
        assertThat(new org.vmrole.api.drives.FencedLeases(fx.api.storageAccounts())
                .breakAll(new org.vmrole.fabric.controller.FencedHost("host-b", java.util.List.of(
                        new org.vmrole.model.host.DriveAttachment("gone", url, "write", "noaccount", "", 1 << 20))))).as("an account gone is skipped").isZero();
    }

    @Test
    void a_storage_service_that_is_down_is_a_conflict_that_says_so_and_records_nothing() throws Exception {
        storage.close();
        var r = create(contoso, "data", "contosofiles", 1 << 20);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("StorageUnavailable");
        assertThat(r.body().path("error").path("message").asText()).contains("did not answer");
        assertThat(fx.client.call("GET", "/drives", contoso, null).body().get("drives")).isEmpty();
        storage = StorageService.start(StorageConfig.development(dir.resolve("storage")).withEphemeralPorts());
    }
}
