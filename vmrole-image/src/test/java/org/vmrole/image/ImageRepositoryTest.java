package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every test here runs the real qemu-img on real images of each format, and keeps them in the real storage service. */
class ImageRepositoryTest {
    @TempDir Path tmp;
    BlobService storage;
    Path root;
    Path raw;
    ImageLimits limits = ImageLimits.defaults();
    Map<String, List<String>> deployments = new java.util.HashMap<>();
    ImageRepository repo;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("repo");
        storage = new BlobService(tmp.resolve("storage"));
        raw = Images.raw(tmp, "disk.raw", 4, 42);
        repo = repository(limits, Clock.systemUTC());
    }

    private ImageRepository repository(ImageLimits l, Clock clock) throws IOException {
        return new ImageRepository(root, l, QemuImg.fromPath(l), (subscription, digest) -> deployments.getOrDefault(digest, List.of()), clock,
                storage.blobs());
    }

    @AfterEach
    void stopStorage() {
        storage.close();
    }

    /** The stored qcow2 of a digest, fetched from the Blob service into a file. */
    private Path blobOf(String digest) throws IOException {
        Path file = tmp.resolve("fetched-" + Sha256.hex(digest) + ".qcow2");
        try (InputStream in = repo.openBlob(digest)) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private Map<String, Instant> storedBlobs() {
        return storage.blobs().stored();
    }

    private ImageRecord upload(String name, Path file) throws IOException {
        String id = repo.startUpload("contoso", name);
        try (InputStream in = Files.newInputStream(file)) {
            repo.append(id, 0, in);
        }
        return repo.commit(id, sha(file));
    }

    private static String sha(Path file) throws IOException {
        return Sha256.ofFile(file);
    }

    private void assertNothingKept() throws IOException {
        assertThat(repo.uploadsInProgress()).isEmpty();
        assertThat(repo.list("contoso")).isEmpty();
        assertThat(storedBlobs()).isEmpty();
        assertThat(storage.blobs().stagedUploads()).as("no staging blob is left").isEmpty();
        try (Stream<Path> work = Files.list(root.resolve("work"))) {
            assertThat(work).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "raw,   ,               RAW",
            "qcow2, ,               QCOW2",
            "vpc,   subformat=fixed,   VPC",
            "vpc,   subformat=dynamic, VPC",
            "vhdx,  ,               VHDX"})
    void stores_an_image_of_each_accepted_format_as_qcow2_with_the_same_content(String format, String options, ImageFormat expected) throws Exception {
        Path image = format.equals("raw") ? raw : Images.convert(raw, format, options, tmp.resolve("disk." + format + (options == null ? "" : options.replace('=', '-'))));
        ImageRecord rec = upload("web-v1", image);

        assertThat(rec.originalFormat()).isEqualTo(expected);
        assertThat(rec.uploadDigest()).isEqualTo(sha(image));
        assertThat(rec.virtualSize()).isGreaterThanOrEqualTo(4L << 20);
        assertThat(rec.subscription()).isEqualTo("contoso");
        Path blob = blobOf(rec.digest());
        assertThat(sha(blob)).isEqualTo(rec.digest());
        assertThat(rec.actualSize()).isEqualTo(Files.size(blob));
        assertThat(Images.qemuImg(List.of("info", "--output=json", "-f", "qcow2", blob.toString()))).contains("\"format\": \"qcow2\"");
        assertThat(Images.compare(raw, "raw", blob, "qcow2")).as("guest-visible content unchanged").isZero();
        assertThat(repo.find("contoso", "web-v1")).contains(rec);
        assertThat(repo.uploadsInProgress()).isEmpty();
    }

    @Test
    void keeps_a_clean_qcow2_exactly_as_it_was_uploaded() throws Exception {
        Path qcow2 = Images.convert(raw, "qcow2", null, tmp.resolve("disk.qcow2"));
        ImageRecord rec = upload("web-v1", qcow2);

        assertThat(rec.digest()).as("no conversion: the stored qcow2 is the upload").isEqualTo(rec.uploadDigest()).isEqualTo(sha(qcow2));
        assertThat(Files.mismatch(blobOf(rec.digest()), qcow2)).isEqualTo(-1L);
        assertThat(storage.blobs().stagedUploads()).as("no staging blob is left").isEmpty();
        assertThat(storage.blobs().leftoverTemporaries()).isEmpty();
    }

    @Test
    void keeps_a_qcow2_resumed_on_a_restarted_server_as_it_was_uploaded() throws Exception {
        Path qcow2 = Images.convert(raw, "qcow2", null, tmp.resolve("disk.qcow2"));
        byte[] all = Files.readAllBytes(qcow2);
        String id = repo.startUpload("contoso", "web");
        repo.append(id, 0, new ByteArrayInputStream(all, 0, 300_000));

        repo = repository(limits, Clock.systemUTC());
        repo.append(id, 300_000, new ByteArrayInputStream(all, 300_000, all.length - 300_000));
        ImageRecord rec = repo.commit(id, sha(qcow2));
        assertThat(rec.digest()).isEqualTo(sha(qcow2));
        assertThat(Files.mismatch(blobOf(rec.digest()), qcow2)).isEqualTo(-1L);
    }

    @Test
    void converts_a_qcow2_that_carries_internal_snapshots() throws Exception {
        Path qcow2 = Images.convert(raw, "qcow2", null, tmp.resolve("disk.qcow2"));
        Images.qemuImg(List.of("snapshot", "-c", "before", qcow2.toString()));
        ImageRecord rec = upload("web-v1", qcow2);

        assertThat(rec.digest()).as("converted, which drops the snapshot").isNotEqualTo(rec.uploadDigest());
        assertThat(Images.qemuImg(List.of("snapshot", "-l", blobOf(rec.digest()).toString()))).doesNotContain("before");
        assertThat(Images.compare(raw, "raw", blobOf(rec.digest()), "qcow2")).isZero();
    }

    @Test
    void the_same_content_gives_the_same_digest_and_one_blob() throws IOException {
        ImageRecord a = upload("a", raw);
        ImageRecord b = upload("b", raw);
        assertThat(b.digest()).isEqualTo(a.digest());
        assertThat(storedBlobs()).containsOnlyKeys(a.digest());
    }

    @Test
    void a_committed_upload_is_gone_at_once_and_its_bytes_are_deleted_after_commit_answers() throws Exception {
        upload("web", raw);
        assertThat(repo.uploadsInProgress()).isEmpty();
        repo.awaitCleanup();
        try (Stream<Path> work = Files.list(root.resolve("work"))) {
            assertThat(work).isEmpty();
        }
    }

    @Test
    void refuses_an_image_with_a_backing_file() throws IOException {
        Path img = tmp.resolve("child.qcow2");
        Images.qemuImg(List.of("create", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", img.toString(), "1M"));
        assertThatThrownBy(() -> upload("evil", img)).isInstanceOf(ImageRejectedException.class)
                .hasMessage("image 'evil' refused: it names a backing file (/etc/hostname). Upload a self-contained image: qemu-img convert -O qcow2 IN OUT");
        assertNothingKept();
    }

    @Test
    void refuses_an_image_with_an_external_data_file() throws IOException {
        Path img = tmp.resolve("split.qcow2");
        Images.qemuImg(List.of("create", "-f", "qcow2", "-o", "data_file=" + tmp.resolve("outside.raw"), img.toString(), "1M"));
        assertThatThrownBy(() -> upload("evil", img)).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("external data file (" + tmp.resolve("outside.raw") + ")");
        assertNothingKept();
    }

    @Test
    void refuses_an_image_over_the_virtual_size_limit_before_qemu_reads_it() throws IOException {
        repo = repository(limits.withMaxVirtualBytes(2L << 20), Clock.systemUTC());
        Path sparse = tmp.resolve("big.qcow2");
        Images.qemuImg(List.of("create", "-f", "qcow2", sparse.toString(), "100G"));
        assertThatThrownBy(() -> upload("huge", sparse)).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("virtual size is 107374182400 bytes, over the limit of 2097152");
        assertThatThrownBy(() -> upload("raw4m", raw)).hasMessageContaining("virtual size is 4194304 bytes, over the limit");
        assertNothingKept();
    }

    @Test
    void refuses_a_damaged_image_with_qemu_imgs_reason() throws IOException {
        Path bad = Images.convert(raw, "qcow2", null, tmp.resolve("bad.qcow2"));
        try (var ch = java.nio.channels.FileChannel.open(bad, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 7}), 40);
        }
        assertThatThrownBy(() -> upload("broken", bad)).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("qemu-img cannot read it as qcow2").hasMessageContaining("L1 table offset invalid");
        assertNothingKept();
    }

    @Test
    void refuses_a_format_outside_the_list_by_its_content_not_its_name() throws IOException {
        Path vmdk = Images.convert(raw, "vmdk", null, tmp.resolve("looks-like.qcow2"));
        assertThatThrownBy(() -> upload("vm", vmdk)).isInstanceOf(ImageRejectedException.class).hasMessageContaining("it is a VMDK image, which is not accepted");
        Path descriptor = tmp.resolve("desc.vhd");
        Files.writeString(descriptor, "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\nRW 2048 FLAT \"/etc/shadow\" 0\n");
        assertThatThrownBy(() -> upload("vm", descriptor)).hasMessageContaining("VMDK (descriptor)");
        assertNothingKept();
    }

    @Test
    void refuses_a_wrong_sha256_and_keeps_nothing() throws IOException {
        String id = repo.startUpload("contoso", "web");
        try (InputStream in = Files.newInputStream(raw)) {
            repo.append(id, 0, in);
        }
        String wrong = "sha256:" + "0".repeat(64);
        assertThatThrownBy(() -> repo.commit(id, wrong)).isInstanceOf(ImageRejectedException.class)
                .hasMessageStartingWith("image 'web' refused: the 4194304 bytes received have SHA-256 " + sha(raw) + " but the client said " + wrong);
        assertThatThrownBy(() -> repo.received(id)).isInstanceOf(NoSuchImageException.class);
        assertNothingKept();
    }

    @Test
    void a_malformed_digest_leaves_the_upload_to_commit_again() throws IOException {
        String id = repo.startUpload("contoso", "web");
        try (InputStream in = Files.newInputStream(raw)) {
            repo.append(id, 0, in);
        }
        assertThatThrownBy(() -> repo.commit(id, "md5:abc")).isExactlyInstanceOf(ImageRepositoryException.class)
                .hasMessageContaining("not a SHA-256 digest");
        assertThat(repo.commit(id, sha(raw)).name()).isEqualTo("web");
    }

    @Test
    void resumes_an_upload_cut_off_midway_from_the_bytes_that_arrived() throws IOException {
        String id = repo.startUpload("contoso", "web");
        byte[] all = Files.readAllBytes(raw);
        long[] sent = {0};
        InputStream breaks = new FilterInputStream(new ByteArrayInputStream(all)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (sent[0] > 1_500_000) throw new IOException("connection reset");
                int n = super.read(b, off, Math.min(len, 100_000));
                sent[0] += Math.max(n, 0);
                return n;
            }
        };
        assertThatThrownBy(() -> repo.append(id, 0, breaks)).hasMessage("connection reset");
        long got = repo.received(id);
        assertThat(got).as("every byte that arrived before the connection broke is on disk").isEqualTo(sent[0]).isGreaterThan(1_500_000);

        assertThatThrownBy(() -> repo.append(id, 0, new ByteArrayInputStream(all)))
                .isInstanceOfSatisfying(UploadOffsetException.class, e -> assertThat(e.received()).isEqualTo(got));

        repo.append(id, got, new ByteArrayInputStream(all, (int) got, all.length - (int) got));
        ImageRecord rec = repo.commit(id, sha(raw));
        assertThat(rec.uploadDigest()).isEqualTo(sha(raw));
    }

    @Test
    void resumes_an_upload_after_the_repository_restarts() throws IOException {
        String id = repo.startUpload("contoso", "web");
        byte[] all = Files.readAllBytes(raw);
        repo.append(id, 0, new ByteArrayInputStream(all, 0, 1 << 20));

        repo = repository(limits, Clock.systemUTC());
        assertThat(repo.received(id)).isEqualTo(1 << 20);
        repo.append(id, 1 << 20, new ByteArrayInputStream(all, 1 << 20, all.length - (1 << 20)));
        assertThat(repo.commit(id, sha(raw)).uploadDigest()).isEqualTo(sha(raw));
    }

    @Test
    void a_commit_cut_short_after_the_digest_was_verified_finishes_when_committed_again() throws IOException {
        String id = repo.startUpload("contoso", "web");
        try (InputStream in = Files.newInputStream(raw)) {
            repo.append(id, 0, in);
        }
        ImageRepository broken = new ImageRepository(root, limits, new QemuImg("/nonexistent/qemu-img", limits.qemuMemoryBytes()),
                ImageUsage.none(), Clock.systemUTC(), storage.blobs());
        assertThatThrownBy(() -> broken.commit(id, sha(raw))).isInstanceOf(IOException.class).isNotInstanceOf(ImageRejectedException.class);
        assertThatThrownBy(() -> broken.append(id, Files.size(raw), new ByteArrayInputStream(new byte[1])))
                .hasMessageContaining("is being committed and takes no more bytes");

        repo = repository(limits, Clock.systemUTC());
        ImageRecord rec = repo.commit(id, sha(raw));
        assertThat(sha(blobOf(rec.digest()))).isEqualTo(rec.digest());
        assertThat(upload("reference", raw).digest()).as("the same image as an upload committed at once").isEqualTo(rec.digest());
    }

    @Test
    void stores_a_raw_disk_shorter_than_the_inspected_head() throws Exception {
        Path tiny = tmp.resolve("tiny.raw");
        byte[] bytes = new byte[32 * 1024];
        new java.util.Random(9).nextBytes(bytes);
        Files.write(tiny, bytes);
        ImageRecord rec = upload("tiny", tiny);
        assertThat(rec.originalFormat()).isEqualTo(ImageFormat.RAW);
        assertThat(rec.virtualSize()).isEqualTo(bytes.length);
        Path blob = blobOf(rec.digest());
        assertThat(Images.compare(tiny, "raw", blob, "qcow2")).isZero();
    }

    @Test
    void an_image_in_use_cannot_be_deleted_and_the_error_names_the_deployments() throws IOException {
        ImageRecord rec = upload("web-v1", raw);
        deployments.put(rec.digest(), List.of("contoso-prod", "contoso-staging"));
        assertThatThrownBy(() -> repo.delete("contoso", "web-v1")).isInstanceOfSatisfying(ImageInUseException.class, e ->
                assertThat(e.deployments()).containsExactly("contoso-prod", "contoso-staging"))
                .hasMessage("image 'web-v1' is used by deployments contoso-prod, contoso-staging; delete those deployments or upgrade them to another image first");
        assertThat(repo.hasBlob(rec.digest())).isTrue();

        deployments.clear();
        repo.delete("contoso", "web-v1");
        assertThat(repo.find("contoso", "web-v1")).isEmpty();
        assertThat(repo.hasBlob(rec.digest())).isFalse();
    }

    @Test
    void deleting_one_of_two_names_for_the_same_content_keeps_the_blob() throws IOException {
        ImageRecord a = upload("a", raw);
        upload("b", raw);
        repo.delete("contoso", "a");
        assertThat(repo.hasBlob(a.digest())).isTrue();
    }

    @Test
    void an_image_name_is_taken_once_per_subscription() throws IOException {
        upload("web", raw);
        assertThatThrownBy(() -> repo.startUpload("contoso", "web")).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("already exists in subscription 'contoso'");
        assertThatThrownBy(() -> repo.startUpload("contoso", "../etc")).hasMessageContaining("image name '../etc' is not allowed");
    }

    @Test
    void sweeps_uploads_left_idle_past_the_timeout() throws IOException {
        String stale = repo.startUpload("contoso", "stale");
        repo.append(stale, 0, new ByteArrayInputStream(new byte[1000]));
        Instant staleSince = storage.blobs().stagedUploads().get(stale);
        // the Blob service stamps its changes to the second
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(staleSince.plusSeconds(2)));
        String fresh = repo.startUpload("contoso", "fresh");
        repo = repository(limits, Clock.fixed(staleSince.plus(limits.uploadIdleTimeout()).plusSeconds(1), ZoneOffset.UTC));

        assertThat(repo.sweep()).containsExactly(stale);
        assertThat(repo.uploadsInProgress()).containsExactly(fresh);
        assertThatThrownBy(() -> repo.received(stale)).isInstanceOf(NoSuchImageException.class);
    }

    @Test
    void the_sweeper_removes_idle_uploads_on_its_own() throws IOException {
        String stale = repo.startUpload("contoso", "stale");
        repo = repository(limits, Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC));
        RepositorySweeper sweeper = new RepositorySweeper(repo, Duration.ofMillis(50));
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !repo.uploadsInProgress().contains(stale));
        } finally {
            sweeper.close();
        }
    }

    @Test
    void sweep_removes_a_blob_that_a_crash_left_without_metadata() throws IOException {
        ImageRecord rec = upload("web", raw);
        storage.blobs().deleteRecord("contoso", "web");
        repo.sweep();
        assertThat(repo.hasBlob(rec.digest())).as("a blob this young may be a commit in flight on another server").isTrue();

        repo = repository(limits, Clock.fixed(Instant.now().plus(limits.uploadIdleTimeout()).plusSeconds(5), ZoneOffset.UTC));
        repo.sweep();
        assertThat(repo.hasBlob(rec.digest())).isFalse();
    }

    @Test
    void an_upload_over_the_byte_limit_is_refused_and_removed() throws IOException {
        ImageLimits small = new ImageLimits(1L << 30, 1L << 20, 1L << 30, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(1));
        repo = repository(small, Clock.systemUTC());
        String id = repo.startUpload("contoso", "web");
        assertThatThrownBy(() -> repo.append(id, 0, Files.newInputStream(raw))).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("exceeds the limit of 1048576 bytes");
        assertNothingKept();
    }
}
