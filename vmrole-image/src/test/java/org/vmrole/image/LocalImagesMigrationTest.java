package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory as the repository left it before images moved into the Blob service: nothing in it is lost on upgrade. */
class LocalImagesMigrationTest {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @TempDir Path tmp;
    BlobService storage;
    ImageLimits limits = ImageLimits.defaults();
    Path root;

    @BeforeEach
    void setUp() {
        storage = new BlobService(tmp.resolve("storage"));
        root = tmp.resolve("repo");
    }

    @AfterEach
    void stopStorage() {
        storage.close();
    }

    private ImageRepository upgraded() throws IOException {
        return new ImageRepository(root, limits, QemuImg.fromPath(limits), ImageUsage.none(), Clock.systemUTC(), storage.blobs());
    }

    @Test
    void stored_images_and_their_records_move_into_the_blob_service() throws Exception {
        Path qcow2 = Images.convert(Images.raw(tmp, "disk.raw", 4, 5), "qcow2", null, tmp.resolve("disk.qcow2"));
        String digest = Sha256.ofFile(qcow2);
        Files.createDirectories(root.resolve("blobs"));
        Files.copy(qcow2, root.resolve("blobs").resolve(Sha256.hex(digest) + ".qcow2"));
        ImageRecord old = new ImageRecord("contoso", "web-v1", ImageFormat.QCOW2, 4L << 20, Files.size(qcow2), digest, digest, Instant.parse("2026-01-02T03:04:05Z"));
        Files.createDirectories(root.resolve("images/contoso"));
        Files.write(root.resolve("images/contoso/web-v1.json"), JSON.writeValueAsBytes(old));

        ImageRepository repo = upgraded();

        assertThat(repo.find("contoso", "web-v1")).contains(old);
        try (InputStream in = repo.openBlob(digest)) {
            assertThat(Sha256.format(Sha256.newDigest().digest(in.readAllBytes()))).isEqualTo(digest);
        }
        assertThat(root.resolve("blobs")).doesNotExist();
        assertThat(root.resolve("images")).doesNotExist();
        assertThat(upgraded().list("contoso")).as("a second start finds them where they went").containsExactly(old);
    }

    @Test
    void an_image_file_that_does_not_match_its_name_is_left_on_disk_and_not_stored() throws Exception {
        Files.createDirectories(root.resolve("blobs"));
        Path wrong = root.resolve("blobs").resolve("0".repeat(64) + ".qcow2");
        Files.write(wrong, new byte[4096]);
        upgraded();
        assertThat(wrong).exists();
        assertThat(storage.blobs().stored()).isEmpty();
    }

    @Test
    void an_upload_left_in_progress_resumes_from_the_bytes_it_had() throws Exception {
        Path qcow2 = Images.convert(Images.raw(tmp, "disk.raw", 4, 6), "qcow2", null, tmp.resolve("upload.qcow2"));
        byte[] all = Files.readAllBytes(qcow2);
        int had = all.length / 2;
        String id = UUID.randomUUID().toString();
        Path dir = Files.createDirectories(root.resolve("uploads").resolve(id));
        Files.write(dir.resolve("data"), Arrays.copyOf(all, had));
        Files.write(dir.resolve("session.json"), JSON.writeValueAsBytes(new ImageRepository.UploadSession(id, "contoso", "web-v2", Instant.now())));

        ImageRepository repo = upgraded();

        assertThat(repo.received(id)).isEqualTo(had);
        repo.append(id, had, new ByteArrayInputStream(all, had, all.length - had));
        assertThat(repo.commit(id, Sha256.ofFile(qcow2)).name()).isEqualTo("web-v2");
    }

    @Test
    void a_raw_upload_left_in_progress_is_staged_as_the_bytes_the_client_sent() throws Exception {
        Path raw = Images.raw(tmp, "raw.raw", 4, 8);
        byte[] all = Files.readAllBytes(raw);
        int had = 3 << 20;
        // what an earlier version wrote: a raw upload goes straight to qcow2 on disk; its first 3 MiB arrived
        ImageRepository before;
        try (BlobService elsewhere = new BlobService(tmp.resolve("old-storage"))) {
            before = new ImageRepository(root, limits, QemuImg.fromPath(limits), ImageUsage.none(), Clock.systemUTC(), elsewhere.blobs());
            String id = before.startUpload("contoso", "web-v3");
            before.append(id, 0, new ByteArrayInputStream(all, 0, had));
            assertThat(root.resolve("uploads").resolve(id).resolve("stream.json")).exists();

            ImageRepository repo = upgraded();

            assertThat(repo.received(id)).isEqualTo(had);
            repo.append(id, had, new ByteArrayInputStream(all, had, all.length - had));
            ImageRecord rec = repo.commit(id, Sha256.ofFile(raw));
            assertThat(rec.uploadDigest()).isEqualTo(Sha256.ofFile(raw));
        }
    }
}
