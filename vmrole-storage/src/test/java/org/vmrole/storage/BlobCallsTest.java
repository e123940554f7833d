package org.vmrole.storage;

import com.azure.storage.blob.BlobClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmrole.storage.client.BlobCalls;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The platform's own Blob calls, checked against the service and read back with the Azure SDK. */
class BlobCallsTest {
    static RunningStorage storage;
    static BlobCalls calls;

    @BeforeAll
    static void start() {
        storage = new RunningStorage();
        calls = new BlobCalls("http://127.0.0.1:" + storage.service.blobPort(), storage.account.name(), storage.account.keys().getFirst());
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    @Test
    void makes_a_page_blob_writes_pages_snapshots_and_deletes_it() {
        calls.createContainerIfAbsent("drives");
        calls.createContainerIfAbsent("drives");
        calls.createPageBlob("drives", "d1.vhd", 4096);
        assertThatThrownBy(() -> calls.createPageBlob("drives", "d1.vhd", 4096)).isInstanceOfSatisfying(BlobCalls.Failed.class,
                f -> assertThat(f.status()).isEqualTo(409));
        byte[] page = new byte[512];
        page[0] = 'x';
        calls.putPages("drives", "d1.vhd", 3584, page);
        var blob = storage.blobs().getBlobContainerClient("drives").getBlobClient("d1.vhd");
        assertThat(blob.downloadContent().toBytes()).hasSize(4096).satisfies(b -> assertThat(b[3584]).isEqualTo((byte) 'x'));

        String snapshot = calls.snapshot("drives", "d1.vhd");
        assertThat(blob.getSnapshotClient(snapshot).exists()).isTrue();
        assertThat(calls.properties("drives", "d1.vhd")).hasValueSatisfying(p -> {
            assertThat(p.length()).isEqualTo(4096);
            assertThat(p.leased()).isFalse();
        });
        assertThat(calls.delete("drives", "d1.vhd")).isTrue();
        assertThat(calls.properties("drives", "d1.vhd")).isEmpty();
        assertThat(calls.delete("drives", "d1.vhd")).isFalse();
    }

    @Test
    void a_read_sas_reads_the_blob_and_its_snapshot_but_writes_nothing_and_expires() {
        calls.createContainerIfAbsent("sas");
        calls.createPageBlob("sas", "d.vhd", 1024);
        String snapshot = calls.snapshot("sas", "d.vhd");
        String url = calls.url("sas", "d.vhd");
        var reader = new BlobClientBuilder().endpoint(url + "?" + calls.readSas("sas", "d.vhd", null, Instant.now().plus(1, ChronoUnit.HOURS))).buildClient();
        assertThat(reader.downloadContent().toBytes()).hasSize(1024);
        assertThatThrownBy(() -> reader.getPageBlobClient().clearPages(new com.azure.storage.blob.models.PageRange().setStart(0).setEnd(511)))
                .isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));

        var ofSnapshot = new BlobClientBuilder().endpoint(url + "?" + calls.readSas("sas", "d.vhd", snapshot, Instant.now().plus(1, ChronoUnit.HOURS))).buildClient();
        assertThat(ofSnapshot.downloadContent().toBytes()).hasSize(1024);

        var expired = new BlobClientBuilder().endpoint(url + "?" + calls.readSas("sas", "d.vhd", null, Instant.now().minus(1, ChronoUnit.MINUTES))).buildClient();
        assertThatThrownBy(expired::downloadContent).isInstanceOfSatisfying(BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
    }
}
