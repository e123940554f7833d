package org.vmrole.storage;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.queue.QueueServiceClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Accounts the platform adds, rekeys and removes while the service runs, seen through the Azure SDK. */
class ManagedAccountsTest {
    final RunningStorage storage = new RunningStorage();

    @AfterEach
    void stop() {
        storage.close();
    }

    static String key() {
        byte[] k = new byte[64];
        ThreadLocalRandom.current().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    BlobServiceClient blobs(String account, String key) {
        return new BlobServiceClientBuilder().connectionString(storage.service.endpoints("127.0.0.1").connectionString(account, key)).buildClient();
    }

    @Test
    void serves_an_account_added_while_running_at_once() {
        StorageAccount acme = new StorageAccount("acme1", List.of(key(), key()));
        storage.service.accounts().replaceManaged(List.of(acme));

        var container = blobs("acme1", acme.keys().get(1)).createBlobContainer("data");
        container.getBlobClient("a.txt").upload(BinaryData.fromString("hello"));
        assertThat(blobs("acme1", acme.keys().get(0)).getBlobContainerClient("data").getBlobClient("a.txt").downloadContent().toString())
                .isEqualTo("hello");
        new QueueServiceClientBuilder().connectionString(storage.service.endpoints("127.0.0.1").connectionString("acme1", acme.keys().get(0)))
                .buildClient().createQueue("work").sendMessage("m");
        assertThat(storage.service.accounts().names()).containsExactly("devstoreaccount1", "acme1");
    }

    @Test
    void a_regenerated_key_stops_working_and_the_new_one_works() {
        StorageAccount before = new StorageAccount("acme2", List.of(key(), key()));
        storage.service.accounts().replaceManaged(List.of(before));
        blobs("acme2", before.keys().get(0)).createBlobContainer("data");

        StorageAccount after = new StorageAccount("acme2", List.of(key(), before.keys().get(1)));
        storage.service.accounts().replaceManaged(List.of(after));

        assertThatThrownBy(() -> blobs("acme2", before.keys().get(0)).getBlobContainerClient("data").exists())
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
        assertThat(blobs("acme2", after.keys().get(0)).getBlobContainerClient("data").exists()).isTrue();
        assertThat(blobs("acme2", before.keys().get(1)).getBlobContainerClient("data").exists()).as("the key not regenerated still works").isTrue();
    }

    @Test
    void one_accounts_key_never_signs_for_another() {
        StorageAccount a = new StorageAccount("tenanta", List.of(key(), key()));
        StorageAccount b = new StorageAccount("tenantb", List.of(key(), key()));
        storage.service.accounts().replaceManaged(List.of(a, b));
        blobs("tenantb", b.keys().get(0)).createBlobContainer("private");

        assertThatThrownBy(() -> blobs("tenantb", a.keys().get(0)).getBlobContainerClient("private").exists())
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
    }

    @Test
    void a_deleted_account_stops_working_and_a_new_one_of_its_name_starts_empty() {
        StorageAccount old = new StorageAccount("acme3", List.of(key(), key()));
        storage.service.accounts().replaceManaged(List.of(old));
        blobs("acme3", old.keys().get(0)).createBlobContainer("data").getBlobClient("x").upload(BinaryData.fromString("old tenant's"));

        assertThat(storage.service.accounts().replaceManaged(List.of())).containsExactly("acme3");
        assertThatThrownBy(() -> blobs("acme3", old.keys().get(0)).getBlobContainerClient("data").exists())
                .isInstanceOf(BlobStorageException.class);

        StorageAccount again = new StorageAccount("acme3", List.of(key(), key()));
        storage.service.accounts().replaceManaged(List.of(again));
        assertThat(blobs("acme3", again.keys().get(0)).listBlobContainers()).isEmpty();
    }

    @Test
    void a_managed_account_never_replaces_the_development_account() {
        storage.service.accounts().replaceManaged(List.of(new StorageAccount("devstoreaccount1", List.of(key()))));
        assertThat(storage.blobs().createBlobContainer("still").exists()).isTrue();
    }
}
