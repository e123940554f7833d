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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.BlockBlobClient;

/**
 * Uploads whose bytes are staged in the real storage service: two repositories on two working directories over one
 * Blob account stand for two controller replicas. Blocks are 1 MiB here, so a small image spans many.
 */
class UploadOnAnyServerTest {
    private static final int BLOCK = 1 << 20;

    @TempDir Path tmp;
    BlobService storage;
    ImageLimits limits = ImageLimits.defaults();
    Path raw;
    byte[] all;

    @BeforeEach
    void setUp() throws IOException {
        storage = new BlobService(tmp.resolve("storage"));
        raw = Images.raw(tmp, "disk.raw", 6, 11);
        all = Files.readAllBytes(raw);
    }

    @AfterEach
    void stopStorage() {
        storage.close();
    }

    private ImageRepository server(String name) throws IOException {
        return new ImageRepository(tmp.resolve(name), limits, QemuImg.fromPath(limits), ImageUsage.none(), Clock.systemUTC(),
                storage.blobs().withBlockSize(BLOCK));
    }

    /** The body of a PUT whose connection breaks after {@code cut} bytes. */
    private InputStream breakingAfter(byte[] bytes, int from, long cut) {
        long[] sent = {0};
        return new FilterInputStream(new ByteArrayInputStream(bytes, from, bytes.length - from)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (sent[0] >= cut) throw new IOException("connection reset");
                int n = super.read(b, off, (int) Math.min(len, Math.min(100_000, cut - sent[0])));
                sent[0] += Math.max(n, 0);
                return n;
            }
        };
    }

    private String reference() throws IOException {
        try (BlobService own = new BlobService(tmp.resolve("reference-storage"))) {
            ImageRepository ref = new ImageRepository(tmp.resolve("reference"), limits, QemuImg.fromPath(limits), ImageUsage.none(), Clock.systemUTC(),
                    own.blobs());
            String id = ref.startUpload("contoso", "ref");
            ref.append(id, 0, new ByteArrayInputStream(all));
            return ref.commit(id, Sha256.ofFile(raw)).digest();
        }
    }

    @Test
    void an_upload_broken_off_on_one_server_resumes_and_commits_on_another() throws IOException {
        ImageRepository a = server("replica-a");
        ImageRepository b = server("replica-b");
        String id = a.startUpload("contoso", "web");
        assertThatThrownBy(() -> a.append(id, 0, breakingAfter(all, 0, 2_500_000))).hasMessage("connection reset");

        assertThat(b.received(id)).as("what arrived at the first server is in the Blob service").isEqualTo(2_500_000);
        b.append(id, 2_500_000, new ByteArrayInputStream(all, 2_500_000, all.length - 2_500_000));
        ImageRecord rec = b.commit(id, Sha256.ofFile(raw));

        assertThat(rec.digest()).as("the same qcow2 as an upload sent at once to one server").isEqualTo(reference());
        assertThat(a.find("contoso", "web")).as("the first server sees the image the second stored").contains(rec);
        try (InputStream in = a.openBlob(rec.digest())) {
            assertThat(Sha256.format(Sha256.newDigest().digest(in.readAllBytes()))).isEqualTo(rec.digest());
        }
        assertThat(storage.blobs().stagedUploads()).as("the staging blob went with the commit").isEmpty();
        a.sweep();
        assertThat(a.uploadsInProgress()).as("the first server's working copy goes at its next sweep").isEmpty();
    }

    @Test
    void an_upload_resumes_after_the_server_and_the_storage_service_restart() throws IOException {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all, 0, 3 * BLOCK + 1234));

        storage.restart();
        ImageRepository restarted = server("replica-a");
        assertThat(restarted.received(id)).isEqualTo(3 * BLOCK + 1234);
        restarted.append(id, 3 * BLOCK + 1234, new ByteArrayInputStream(all, 3 * BLOCK + 1234, all.length - 3 * BLOCK - 1234));
        assertThat(restarted.commit(id, Sha256.ofFile(raw)).digest()).isEqualTo(reference());
    }

    @Test
    void blocks_a_killed_server_staged_without_committing_them_count_as_received() throws IOException {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all, 0, 2 * BLOCK));
        // the server was killed between its Put Block and its Put Block List: the block is in the service, uncommitted
        BlockBlobClient staging = BlockBlobClient.of(java.net.URI.create(storage.accountUrl() + "/uploads/" + id),
                new BlobCredential.SharedKey(BlobService.ACCOUNT, BlobService.KEY));
        staging.putBlock(StagedBlocks.data(2 * BLOCK, BLOCK).id(), all, 2 * BLOCK, BLOCK);
        assertThat(staging.blockList().orElseThrow().uncommitted()).hasSize(1);

        ImageRepository b = server("replica-b");
        assertThat(b.received(id)).isEqualTo(3 * BLOCK);
        b.append(id, 3 * BLOCK, new ByteArrayInputStream(all, 3 * BLOCK, all.length - 3 * BLOCK));
        assertThat(b.commit(id, Sha256.ofFile(raw)).digest()).isEqualTo(reference());
    }

    @Test
    void a_server_whose_working_copy_fell_behind_reads_the_rest_back_before_it_takes_more() throws IOException {
        ImageRepository a = server("replica-a");
        ImageRepository b = server("replica-b");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all, 0, BLOCK));
        b.append(id, BLOCK, new ByteArrayInputStream(all, BLOCK, BLOCK));
        assertThatThrownBy(() -> a.append(id, BLOCK, new ByteArrayInputStream(all, BLOCK, BLOCK)))
                .isInstanceOfSatisfying(UploadOffsetException.class, e -> assertThat(e.received()).isEqualTo(2 * BLOCK));
        a.append(id, 2 * BLOCK, new ByteArrayInputStream(all, 2 * BLOCK, all.length - 2 * BLOCK));
        assertThat(a.commit(id, Sha256.ofFile(raw)).digest()).isEqualTo(reference());
    }

    @Test
    void an_aborted_upload_leaves_no_staging_blob() throws IOException {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all, 0, 2 * BLOCK + 7));
        a.abort(id);
        assertThat(storage.blobs().stagedUploads()).isEmpty();
        assertThatThrownBy(() -> server("replica-b").received(id)).isInstanceOf(NoSuchImageException.class)
                .hasMessageContaining("start a new upload");
    }

    @Test
    void a_name_is_taken_once_across_servers() throws IOException {
        ImageRepository a = server("replica-a");
        ImageRepository b = server("replica-b");
        String first = a.startUpload("contoso", "web");
        String second = b.startUpload("contoso", "web");
        a.append(first, 0, new ByteArrayInputStream(all));
        b.append(second, 0, new ByteArrayInputStream(all));
        a.commit(first, Sha256.ofFile(raw));
        assertThatThrownBy(() -> b.commit(second, Sha256.ofFile(raw))).isInstanceOf(ImageNameTakenException.class)
                .hasMessageContaining("already exists in subscription 'contoso'");
        assertThat(b.list("contoso")).extracting(ImageRecord::name).containsExactly("web");
    }

    @Test
    void a_deleted_image_takes_its_blob_with_it() throws IOException {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all));
        ImageRecord rec = a.commit(id, Sha256.ofFile(raw));
        server("replica-b").delete("contoso", "web");
        assertThat(storage.blobs().stored()).isEmpty();
        assertThat(a.find("contoso", "web")).isEmpty();
        assertThatThrownBy(() -> a.openBlob(rec.digest())).isInstanceOf(NoSuchImageException.class);
    }

    @Test
    void staged_blocks_count_from_byte_zero_without_a_gap() {
        var list = new BlockBlobClient.BlockList("\"e\"",
                java.util.List.of(stored(StagedBlocks.data(0, 10)), stored(StagedBlocks.zeros(10, 5))),
                java.util.List.of(stored(StagedBlocks.data(30, 4)), stored(StagedBlocks.data(15, 15)), stored(StagedBlocks.data(35, 9))));
        StagedBlocks staged = StagedBlocks.of(list);
        assertThat(staged.received()).isEqualTo(34);
        assertThat(staged.pending()).isTrue();
        assertThat(staged.blocks()).extracting(StagedBlocks.Block::offset).containsExactly(0L, 10L, 15L, 30L);
        assertThat(StagedBlocks.of(new BlockBlobClient.BlockList("", java.util.List.of(), java.util.List.of(stored(StagedBlocks.data(1, 4))))).received())
                .as("a block that does not start at byte 0 leaves a gap").isZero();
        assertThat(StagedBlocks.of(new BlockBlobClient.BlockList("", java.util.List.of(new BlockBlobClient.BlockList.Block(StagedBlocks.data(0, 8).id(), 5)),
                java.util.List.of())).received()).as("a block whose stored size does not fit its name does not count").isZero();
    }

    @Test
    void the_empty_half_of_a_disk_is_staged_as_zero_blocks_and_read_back_as_zeros() throws IOException {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all));
        var blocks = BlockBlobClient.of(java.net.URI.create(storage.accountUrl() + "/uploads/" + id),
                new BlobCredential.SharedKey(BlobService.ACCOUNT, BlobService.KEY)).blockList().orElseThrow().committed();
        assertThat(blocks.stream().mapToLong(BlockBlobClient.BlockList.Block::size).sum()).as("3 MiB of data and a byte for each 1 MiB block of zeros")
                .isEqualTo(3 * BLOCK + 3);

        ImageRepository b = server("replica-b");
        assertThat(b.commit(id, Sha256.ofFile(raw)).digest()).as("the other server read the zeros back").isEqualTo(reference());
    }

    @Test
    void a_raw_disk_is_stored_as_a_qcow2_the_blob_service_assembles_from_the_staged_blocks() throws Exception {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        a.append(id, 0, new ByteArrayInputStream(all));
        var staged = blockList("uploads/" + id).committed().stream().map(BlockBlobClient.BlockList.Block::id)
                .filter(b -> !StagedBlocks.parse(b).orElseThrow().zeros()).toList();
        ImageRecord rec = a.commit(id, Sha256.ofFile(raw));

        var image = blockList("images/" + Sha256.hex(Sha256.parse(rec.digest())) + ".qcow2").committed().stream()
                .map(BlockBlobClient.BlockList.Block::id).toList();
        assertThat(image.subList(1, image.size() - 1)).as("the data blocks staged, not sent again, between the image's head and tail").isEqualTo(staged);
        Path stored = tmp.resolve("stored.qcow2");
        try (InputStream in = a.openBlob(rec.digest())) {
            Files.copy(in, stored);
        }
        assertThat(Sha256.ofFile(stored)).isEqualTo(rec.digest());
        assertThat(Files.size(stored)).isEqualTo(rec.actualSize());
        assertThat(Images.qemuImg(java.util.List.of("check", "-f", "qcow2", stored.toString()))).contains("No errors were found");
        assertThat(Images.compare(raw, "raw", stored, "qcow2")).isZero();
        assertThat(storage.blobs().leftoverTemporaries()).isEmpty();
    }

    @Test
    void an_all_zero_cluster_split_between_two_requests_gives_the_same_image_sent_whole() throws IOException {
        ImageRepository a = server("replica-a");
        String id = a.startUpload("contoso", "web");
        // the disk's second half is zeros: this request ends in the middle of one of its clusters
        int cut = all.length - 3 * Qcow2Stream.CLUSTER - 1000;
        a.append(id, 0, new ByteArrayInputStream(all, 0, cut));
        a.append(id, cut, new ByteArrayInputStream(all, cut, all.length - cut));

        String digest = a.commit(id, Sha256.ofFile(raw)).digest();

        assertThat(digest).isEqualTo(reference());
        String first = blockList("images/" + Sha256.hex(Sha256.parse(digest)) + ".qcow2").committed().getFirst().id();
        assertThat(BlockBlobClient.blockText(first)).as("sent as blocks of its own, not assembled").startsWith("o");
    }

    @Test
    void a_disk_with_zero_clusters_among_its_data_is_staged_without_them_resumed_elsewhere_and_assembled() throws Exception {
        // clusters of random data, of zeros, and zero but for one byte, in every block; 3.5 MiB and 700 bytes
        int cluster = Qcow2Stream.CLUSTER;
        byte[] disk = new byte[56 * cluster + 700];
        java.util.Random r = new java.util.Random(12);
        int[] kinds = new int[57];
        for (int at = 0; at < disk.length; at += cluster) {
            int kind = r.nextInt(3);
            kinds[at / cluster] = kind;
            if (kind == 0) continue;
            byte[] c = new byte[Math.min(cluster, disk.length - at)];
            if (kind == 1) r.nextBytes(c);
            else c[c.length / 3] = 1;
            System.arraycopy(c, 0, disk, at, c.length);
        }
        Path file = Files.write(tmp.resolve("speckled.raw"), disk);
        ImageRepository a = server("replica-a");
        ImageRepository b = server("replica-b");
        String id = a.startUpload("contoso", "web");
        // the connection breaks in the middle of a cluster of data (a cluster of zeros cut in two is sent whole instead)
        int broken = 20;
        while (kinds[broken] != 1) broken++;
        int cut = broken * cluster + 12_345;
        assertThatThrownBy(() -> a.append(id, 0, breakingAfter(disk, 0, cut))).hasMessage("connection reset");
        var staged = blockList("uploads/" + id).committed();
        assertThat(staged.stream().mapToLong(BlockBlobClient.BlockList.Block::size).sum()).as("zero clusters are not sent").isLessThan(cut);

        b.append(id, cut, new ByteArrayInputStream(disk, cut, disk.length - cut));
        ImageRecord rec = b.commit(id, Sha256.ofFile(file));

        String first = blockList("images/" + Sha256.hex(Sha256.parse(rec.digest())) + ".qcow2").committed().getFirst().id();
        assertThat(BlockBlobClient.blockText(first)).as("assembled from the staged blocks").startsWith("h");
        Path stored = tmp.resolve("speckled.qcow2");
        try (InputStream in = a.openBlob(rec.digest())) {
            Files.copy(in, stored);
        }
        assertThat(Sha256.ofFile(stored)).isEqualTo(rec.digest());
        assertThat(Images.compare(file, "raw", stored, "qcow2")).isZero();
    }

    private BlockBlobClient.BlockList blockList(String path) {
        return BlockBlobClient.of(java.net.URI.create(storage.accountUrl() + "/" + path),
                new BlobCredential.SharedKey(BlobService.ACCOUNT, BlobService.KEY)).blockList().orElseThrow();
    }

    /** A block as Get Block List reports it: its id and the bytes stored. */
    private static BlockBlobClient.BlockList.Block stored(StagedBlocks.Block b) {
        return new BlockBlobClient.BlockList.Block(b.id(), b.stored());
    }
}
