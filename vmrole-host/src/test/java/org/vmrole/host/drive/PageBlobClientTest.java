package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.BlobStorageException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.vmrole.storage.StorageAccount;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PageBlobClientTest extends WithBlobService {


    static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void a_write_refused_after_a_key_regeneration_waits_for_the_new_key_and_is_sent_again_with_it() throws Exception {
        String oldKey = randomKey(), secondary = randomKey(), newKey = randomKey();
        storage.accounts().replaceManaged(List.of(new StorageAccount("rotating", List.of(oldKey, secondary))));
        BlobCredential.Current current = new BlobCredential.Current(new BlobCredential.SharedKey("rotating", oldKey), Duration.ofSeconds(30));
        PageBlobClient blob = PageBlobClient.of(storage.url("rotating", "drives", "r.vhd"), current);
        blob.createContainer();
        blob.create(4096);
        storage.accounts().replaceManaged(List.of(new StorageAccount("rotating", List.of(newKey, secondary)))); // primary regenerated

        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> blob.writePages(0, filled(512, 7), 0, 512, null));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !write.isDone()); // stalled, not failed
        current.set(new BlobCredential.SharedKey("rotating", newKey)); // as the controller's next answer brings it

        write.get(30, TimeUnit.SECONDS);
        assertThat(PageBlobClient.of(blob.url(), new BlobCredential.SharedKey("rotating", newKey)).read(0, 512)).isEqualTo(filled(512, 7));
    }

    @Test
    void a_refused_key_with_no_newer_one_coming_fails_after_its_patience() {
        storage.accounts().replaceManaged(List.of(new StorageAccount("stale", List.of(randomKey()))));
        BlobCredential.Current current = new BlobCredential.Current(new BlobCredential.SharedKey("stale", randomKey()), Duration.ofMillis(200));

        assertThatThrownBy(() -> PageBlobClient.of(storage.url("stale", "drives", "s.vhd"), current).createContainer())
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    private static String randomKey() {
        byte[] k = new byte[64];
        new java.security.SecureRandom().nextBytes(k);
        return java.util.Base64.getEncoder().encodeToString(k);
    }

    @Test
    void a_new_blob_is_made_only_once_and_deleted_with_its_snapshots() {
        PageBlobClient blob = PageBlobClient.of(storage.url("made", "d-" + UUID.randomUUID() + ".vhd"), RunningBlobService.KEY);
        blob.createContainer();
        blob.createContainer();
        blob.createNew(4096);
        assertThatThrownBy(() -> blob.createNew(4096)).isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(409));
        String snapshot = blob.createSnapshot();
        assertThat(blob.atSnapshot(snapshot).properties().size()).isEqualTo(4096);

        assertThat(blob.delete()).isTrue();
        assertThatThrownBy(blob::properties).isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> blob.atSnapshot(snapshot).properties()).isInstanceOf(BlobStorageException.class);
        assertThat(blob.delete()).isFalse();
    }

    @Test
    void a_read_sas_reads_the_blob_and_its_snapshot_but_writes_nothing_and_expires() throws Exception {
        PageBlobClient blob = storage.newPageBlob(1024);
        blob.writePages(0, filled(512, 9), 0, 512, null);
        String snapshot = blob.createSnapshot();
        BlobCredential.SharedKey key = (BlobCredential.SharedKey) RunningBlobService.KEY;
        Instant inAnHour = Instant.now().plus(1, ChronoUnit.HOURS);

        assertThat(PageBlobClient.of(blob.url(), new BlobCredential.Sas(key.readSas(blob.url(), null, inAnHour))).read(0, 512)).isEqualTo(filled(512, 9));
        assertThatThrownBy(() -> PageBlobClient.of(blob.url(), new BlobCredential.Sas(key.readSas(blob.url(), null, inAnHour)))
                .writePages(0, filled(512, 1), 0, 512, null)).isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(get(blob.url() + "?" + key.readSas(blob.url(), snapshot, inAnHour))).isEqualTo(200);
        assertThat(get(blob.url() + "?" + key.readSas(blob.url(), null, Instant.now().minus(1, ChronoUnit.MINUTES)))).isEqualTo(403);
        assertThat(key.toString()).doesNotContain(key.base64Key());
    }

    private static int get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).header("x-ms-version", "2021-08-06").build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    void writes_pages_and_reads_them_back_by_range() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        blob.writePages(4096, filled(8192, 0xab), 0, 8192, null);

        assertThat(blob.read(4096, 8192)).isEqualTo(filled(8192, 0xab));
        assertThat(blob.read(0, 4096)).isEqualTo(new byte[4096]);
        assertThat(blob.properties().size()).isEqualTo(1 << 20);
        assertThat(blob.properties().blobType()).isEqualTo("PageBlob");
    }

    @Test
    void clearing_pages_makes_them_read_as_zeros() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        blob.writePages(0, filled(4096, 7), 0, 4096, null);
        blob.clearPages(512, 1024, null);

        byte[] back = blob.read(0, 4096);
        assertThat(Arrays.copyOfRange(back, 512, 1536)).isEqualTo(new byte[1024]);
        assertThat(Arrays.copyOfRange(back, 1536, 4096)).isEqualTo(filled(2560, 7));
    }

    @Test
    void a_leased_blob_refuses_writes_without_the_lease_id() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        String lease = blob.acquireLease(60, UUID.randomUUID().toString());

        assertThatThrownBy(() -> blob.writePages(0, filled(512, 1), 0, 512, null))
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.code()).isEqualTo("LeaseIdMissing"));
        assertThatThrownBy(() -> blob.writePages(0, filled(512, 1), 0, 512, UUID.randomUUID().toString()))
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.code()).isEqualTo("LeaseIdMismatchWithBlobOperation"));
        blob.writePages(0, filled(512, 1), 0, 512, lease);
        assertThat(blob.read(0, 512)).isEqualTo(filled(512, 1));
    }

    @Test
    void a_second_acquire_is_refused_until_the_lease_is_released_or_broken() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        String first = blob.acquireLease(60, UUID.randomUUID().toString());
        blob.renewLease(first);
        assertThat(blob.properties().leased()).isTrue();

        assertThatThrownBy(() -> blob.acquireLease(60, UUID.randomUUID().toString()))
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.code()).isEqualTo("LeaseAlreadyPresent"));
        blob.releaseLease(first);
        String second = blob.acquireLease(60, UUID.randomUUID().toString());
        assertThat(blob.breakLease(0)).isZero();
        assertThatThrownBy(() -> blob.renewLease(second)).isInstanceOf(BlobStorageException.class);
        blob.acquireLease(-1, UUID.randomUUID().toString());
    }

    @Test
    void a_snapshot_keeps_the_content_it_was_taken_with() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        blob.writePages(0, filled(512, 1), 0, 512, null);
        String snapshot = blob.createSnapshot();
        blob.writePages(0, filled(512, 2), 0, 512, null);

        assertThat(blob.atSnapshot(snapshot).read(0, 512)).isEqualTo(filled(512, 1));
        assertThat(blob.read(0, 512)).isEqualTo(filled(512, 2));
    }

    @Test
    void metadata_set_under_the_lease_is_seen_by_others() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        String lease = blob.acquireLease(60, UUID.randomUUID().toString());
        blob.setMetadata(Map.of("vmrolewriter", "host-a/WebVM_IN_0"), lease);

        assertThat(blob.properties().metadata()).containsEntry("vmrolewriter", "host-a/WebVM_IN_0");
    }

    @Test
    void a_wrong_key_is_refused_with_the_service_code() {
        PageBlobClient blob = storage.newPageBlob(1 << 20);
        PageBlobClient stranger = PageBlobClient.of(blob.url(), new BlobCredential.SharedKey("devstoreaccount1", "AAAA"));

        assertThatThrownBy(() -> stranger.read(0, 512))
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    @Test
    void a_large_read_goes_by_a_blocking_get_with_the_same_signing_and_refusals() {
        PageBlobClient blob = storage.newPageBlob(2 << 20);
        blob.writePages(1 << 20, filled(1 << 20, 0x3c), 0, 1 << 20, null);
        String snapshot = blob.createSnapshot();
        blob.clearPages(1 << 20, 1 << 20, null);
        BlobCredential.SharedKey key = (BlobCredential.SharedKey) RunningBlobService.KEY;
        Instant inAnHour = Instant.now().plus(1, ChronoUnit.HOURS);

        assertThat(blob.read(1 << 20, 1 << 20)).isEqualTo(new byte[1 << 20]);
        assertThat(blob.atSnapshot(snapshot).read(1 << 20, 1 << 20)).isEqualTo(filled(1 << 20, 0x3c));
        assertThat(PageBlobClient.of(blob.url(), new BlobCredential.Sas(key.readSas(blob.url(), snapshot, inAnHour))).atSnapshot(snapshot)
                .read(1 << 20, 1 << 20)).isEqualTo(filled(1 << 20, 0x3c));
        assertThatThrownBy(() -> PageBlobClient.of(blob.url(), new BlobCredential.SharedKey("devstoreaccount1", "AAAA")).read(0, 1 << 20))
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> PageBlobClient.of(blob.url(), new BlobCredential.Sas(key.readSas(blob.url(), null, Instant.now().minus(1, ChronoUnit.MINUTES))))
                .read(0, 1 << 20)).isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> blob.read((2 << 20) - 4096, 1 << 20)).isInstanceOf(BlobStorageException.class);
    }
}
