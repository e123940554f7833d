package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage accounts made with the CLI, used at once through the Azure SDK against the platform's own storage service. */
class StorageAccountsTest {
    @TempDir static Path dir;
    static StoragePlatform platform;

    @BeforeAll
    static void start() throws Exception {
        platform = new StoragePlatform(dir);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    static StoragePlatform.Run vmrole(String key, String... args) {
        return platform.vmrole(key, args);
    }

    static String tenant(String id) throws Exception {
        return platform.tenant(id);
    }

    static JsonNode json(StoragePlatform.Run r) throws Exception {
        return StoragePlatform.json(r);
    }

    static BlobServiceClient blobs(String connectionString) {
        return new BlobServiceClientBuilder().connectionString(connectionString).buildClient();
    }

    /** The same account and endpoints signed with another key. */
    static BlobServiceClient blobs(JsonNode account, String key) {
        return blobs(account.get("connectionString").asText().replace(account.get("primaryKey").asText(), key));
    }

    @Test
    void an_account_made_with_the_cli_works_at_once_and_a_regenerated_key_stops_working() throws Exception {
        String contoso = tenant("contoso");
        JsonNode account = json(vmrole(contoso, "storage-account", "create", "contosofiles", "-o", "json"));
        blobs(account.get("connectionString").asText()).createBlobContainer("docs").getBlobClient("a.txt").upload(BinaryData.fromString("kept"));

        JsonNode regenerated = json(vmrole(contoso, "storage-account", "regenerate-key", "contosofiles", "primary", "-o", "json"));
        String oldPrimary = account.get("primaryKey").asText();
        assertThat(regenerated.get("primaryKey").asText()).isNotEqualTo(oldPrimary);
        assertThatThrownBy(() -> blobs(account, oldPrimary).getBlobContainerClient("docs").exists())
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
        assertThat(blobs(regenerated.get("connectionString").asText()).getBlobContainerClient("docs").getBlobClient("a.txt").downloadContent().toString())
                .isEqualTo("kept");
        assertThat(blobs(account, account.get("secondaryKey").asText()).getBlobContainerClient("docs").exists()).isTrue();

        StoragePlatform.Run list = vmrole(contoso, "storage-account", "list");
        assertThat(list.out()).startsWith("NAME").contains("contosofiles").doesNotContain(oldPrimary);
    }

    @Test
    void a_deleted_account_stops_working_and_another_tenants_key_never_works() throws Exception {
        String fabrikam = tenant("fabrikam");
        String northwind = tenant("northwind");
        JsonNode theirs = json(vmrole(fabrikam, "storage-account", "create", "fabrikamlogs", "-o", "json"));
        JsonNode mine = json(vmrole(northwind, "storage-account", "create", "northwindlogs", "-o", "json"));
        blobs(theirs.get("connectionString").asText()).createBlobContainer("private");

        assertThatThrownBy(() -> blobs(theirs, mine.get("primaryKey").asText()).getBlobContainerClient("private").exists())
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
        StoragePlatform.Run peek = vmrole(northwind, "storage-account", "keys", "fabrikamlogs");
        assertThat(peek.code()).isNotZero();
        assertThat(peek.err()).contains("storage account 'fabrikamlogs' does not exist");

        assertThat(vmrole(fabrikam, "storage-account", "delete", "fabrikamlogs").code()).isZero();
        assertThatThrownBy(() -> blobs(theirs.get("connectionString").asText()).getBlobContainerClient("private").exists())
                .isInstanceOf(BlobStorageException.class);
    }
}
