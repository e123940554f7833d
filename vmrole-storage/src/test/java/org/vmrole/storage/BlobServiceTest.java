package org.vmrole.storage;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.PageRange;
import com.azure.storage.blob.models.PublicAccessType;
import com.azure.storage.blob.models.SequenceNumberActionType;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.blob.specialized.PageBlobClient;
import com.azure.storage.blob.models.AppendBlobRequestConditions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlobServiceTest {
    static RunningStorage storage;
    static BlobServiceClient blobs;

    @BeforeAll
    static void start() {
        storage = new RunningStorage();
        blobs = storage.blobs();
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    static BlobContainerClient newContainer() {
        BlobContainerClient c = blobs.getBlobContainerClient("c" + UUID.randomUUID().toString().substring(0, 12));
        c.create();
        return c;
    }

    static int status(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (BlobStorageException e) {
            return e.getStatusCode();
        }
    }

    static String code(Runnable r) {
        try {
            r.run();
            return "none";
        } catch (BlobStorageException e) {
            return e.getErrorCode().toString();
        }
    }

    @Test
    void creates_lists_and_deletes_containers() {
        BlobContainerClient c = blobs.getBlobContainerClient("list-me-1");
        c.createWithResponse(Map.of("owner", "alice"), null, null, Context.NONE);
        blobs.getBlobContainerClient("list-me-2").create();
        assertThat(code(c::create)).isEqualTo("ContainerAlreadyExists");
        assertThat(c.getProperties().getMetadata()).containsEntry("owner", "alice");
        List<String> names = blobs.listBlobContainers(new com.azure.storage.blob.models.ListBlobContainersOptions().setPrefix("list-me-").setMaxResultsPerPage(1), null)
                .stream().map(x -> x.getName()).toList();
        assertThat(names).containsExactly("list-me-1", "list-me-2");
        c.delete();
        assertThat(c.exists()).isFalse();
        assertThat(code(c::delete)).isEqualTo("ContainerNotFound");
    }

    @Test
    void refuses_invalid_container_names() {
        assertThat(code(() -> blobs.getBlobContainerClient("Bad_Name").create())).isEqualTo("InvalidResourceName");
        assertThat(code(() -> blobs.getBlobContainerClient("a--b").create())).isEqualTo("InvalidResourceName");
    }

    @Test
    void uploads_and_downloads_a_block_blob_with_properties_and_metadata() {
        BlobClient b = newContainer().getBlobClient("dir/hello world.txt");
        b.upload(BinaryData.fromString("hello, storage"));
        b.setHttpHeaders(new BlobHttpHeaders().setContentType("text/plain").setContentLanguage("en"));
        b.setMetadata(Map.of("k", "v"));
        assertThat(b.downloadContent().toString()).isEqualTo("hello, storage");
        var props = b.getProperties();
        assertThat(props.getContentType()).isEqualTo("text/plain");
        assertThat(props.getContentLanguage()).isEqualTo("en");
        assertThat(props.getMetadata()).containsEntry("k", "v");
        assertThat(props.getBlobSize()).isEqualTo(14);
        b.delete();
        assertThat(code(b::getProperties)).isEqualTo("BlobNotFound");
    }

    @Test
    void streams_a_blob_larger_than_the_inline_limit_and_returns_its_md5() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(data);
        BlobClient b = newContainer().getBlobClient("big.bin");
        b.upload(new ByteArrayInputStream(data), data.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.downloadStream(out);
        assertThat(out.toByteArray()).isEqualTo(data);
        assertThat(b.getProperties().getContentMd5()).isEqualTo(MessageDigest.getInstance("MD5").digest(data));
    }

    @Test
    void stages_blocks_and_commits_a_block_list() {
        BlockBlobClient b = newContainer().getBlobClient("blocks").getBlockBlobClient();
        String a = Base64.getEncoder().encodeToString("block-a".getBytes());
        String z = Base64.getEncoder().encodeToString("block-z".getBytes());
        b.stageBlock(a, BinaryData.fromString("AAA"));
        b.stageBlock(z, BinaryData.fromString("ZZZZ"));
        assertThat(b.listBlocks(BlockListType.UNCOMMITTED).getUncommittedBlocks()).hasSize(2);
        b.commitBlockList(List.of(z, a));
        assertThat(b.downloadContent().toString()).isEqualTo("ZZZZAAA");
        var list = b.listBlocks(BlockListType.ALL);
        assertThat(list.getCommittedBlocks()).extracting(x -> x.getName()).containsExactly(z, a);
        assertThat(list.getUncommittedBlocks()).isEmpty();
        b.commitBlockList(List.of(a), true);
        assertThat(b.downloadContent().toString()).isEqualTo("AAA");
        assertThat(code(() -> b.commitBlockList(List.of(z), true))).isEqualTo("InvalidBlockList");
    }

    @Test
    void downloads_a_range() {
        BlobClient b = newContainer().getBlobClient("range");
        b.upload(BinaryData.fromString("0123456789"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.downloadStreamWithResponse(out, new BlobRange(2, 5L), null, null, false, null, Context.NONE);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("23456");
        assertThat(status(() -> b.downloadStreamWithResponse(new ByteArrayOutputStream(), new BlobRange(50, 5L), null, null, false, null, Context.NONE))).isEqualTo(416);
    }

    @Test
    void honours_conditional_headers() {
        BlobClient b = newContainer().getBlobClient("cond");
        b.upload(BinaryData.fromString("v1"));
        String etag = b.getProperties().getETag();
        assertThat(code(() -> b.upload(BinaryData.fromString("v2")))).isEqualTo("BlobAlreadyExists");
        assertThat(status(() -> b.uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromString("v2"))
                .setRequestConditions(new BlobRequestConditions().setIfMatch("\"0xDEADBEEF\"")), null, Context.NONE))).isEqualTo(412);
        b.uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromString("v2"))
                .setRequestConditions(new BlobRequestConditions().setIfMatch(etag)), null, Context.NONE);
        assertThat(b.downloadContent().toString()).isEqualTo("v2");
        assertThat(status(() -> b.setMetadataWithResponse(Map.of("a", "b"), new BlobRequestConditions().setIfMatch(etag), null, Context.NONE))).isEqualTo(412);
        assertThat(status(() -> b.getPropertiesWithResponse(new BlobRequestConditions().setIfUnmodifiedSince(java.time.OffsetDateTime.now().minusDays(1)), null, Context.NONE))).isEqualTo(412);
    }

    @Test
    void refuses_a_body_whose_md5_does_not_match() {
        BlockBlobClient b = newContainer().getBlobClient("md5").getBlockBlobClient();
        byte[] wrong = new byte[16];
        assertThat(code(() -> b.uploadWithResponse(new ByteArrayInputStream("data".getBytes()), 4, null, null, null, wrong, null, null, Context.NONE)))
                .isEqualTo("Md5Mismatch");
        assertThat(b.exists()).isFalse();
    }

    @Test
    void lists_blobs_with_prefix_delimiter_paging_snapshots_and_metadata() {
        BlobContainerClient c = newContainer();
        for (String n : List.of("a/1", "a/2", "b/1", "c", "d")) c.getBlobClient(n).upload(BinaryData.fromString(n));
        c.getBlobClient("c").setMetadata(Map.of("m", "1"));
        c.getBlobClient("c").createSnapshot();
        List<String> top = c.listBlobsByHierarchy("/", new ListBlobsOptions(), null).stream().map(BlobItem::getName).toList();
        assertThat(top).containsExactlyInAnyOrder("a/", "b/", "c", "d");
        assertThat(c.listBlobsByHierarchy("a/").stream().map(BlobItem::getName).toList()).containsExactly("a/1", "a/2");
        List<BlobItem> all = c.listBlobs(new ListBlobsOptions().setMaxResultsPerPage(2)
                .setDetails(new BlobListDetails().setRetrieveSnapshots(true).setRetrieveMetadata(true)), null).stream().toList();
        assertThat(all).extracting(BlobItem::getName).containsExactly("a/1", "a/2", "b/1", "c", "c", "d");
        assertThat(all.get(3).getSnapshot()).isNotNull();
        assertThat(all.get(4).getMetadata()).containsEntry("m", "1");
        assertThat(c.listBlobs(new ListBlobsOptions().setPrefix("a/"), null).stream().count()).isEqualTo(2);
    }

    @Test
    void keeps_snapshot_content_after_the_blob_changes_and_deletes_with_snapshots() {
        BlobContainerClient c = newContainer();
        BlobClient b = c.getBlobClient("snap");
        b.upload(BinaryData.fromString("old"));
        var snap = b.createSnapshot();
        b.upload(BinaryData.fromString("new"), true);
        assertThat(snap.downloadContent().toString()).isEqualTo("old");
        assertThat(b.downloadContent().toString()).isEqualTo("new");
        assertThat(code(b::delete)).isEqualTo("SnapshotsPresent");
        b.deleteWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE);
        assertThat(snap.exists()).isFalse();
    }

    @Test
    void copies_a_blob_within_the_account() {
        BlobContainerClient c = newContainer();
        BlobClient src = c.getBlobClient("src");
        src.upload(BinaryData.fromString("copy me"));
        BlobClient dst = newContainer().getBlobClient("dst");
        var poller = dst.beginCopy(src.getBlobUrl(), Duration.ofMillis(50));
        poller.waitForCompletion();
        assertThat(dst.downloadContent().toString()).isEqualTo("copy me");
        BlobClient dst2 = c.getBlobClient("dst2");
        dst2.copyFromUrl(src.getBlobUrl());
        assertThat(dst2.downloadContent().toString()).isEqualTo("copy me");
    }

    @Test
    void writes_clears_and_diffs_page_ranges() {
        PageBlobClient p = newContainer().getBlobClient("disk.vhd").getPageBlobClient();
        p.create(4096);
        byte[] page = new byte[512];
        java.util.Arrays.fill(page, (byte) 7);
        p.uploadPages(new PageRange().setStart(0).setEnd(511), new ByteArrayInputStream(page));
        p.uploadPages(new PageRange().setStart(1024).setEnd(2047), new ByteArrayInputStream(new byte[1024]));
        var snap = p.createSnapshot();
        p.uploadPages(new PageRange().setStart(2048).setEnd(2559), new ByteArrayInputStream(page));
        p.clearPages(new PageRange().setStart(1024).setEnd(1535));
        var ranges = p.listPageRanges(new BlobRange(0)).stream().map(r -> r.getRange().getOffset() + "-" + (r.getRange().getOffset() + r.getRange().getLength() - 1)).toList();
        assertThat(ranges).containsExactly("0-511", "1536-2559");
        var diff = p.listPageRangesDiff(new BlobRange(0), snap.getSnapshotId()).stream()
                .map(r -> (r.isClear() ? "clear " : "page ") + r.getRange().getOffset() + "-" + (r.getRange().getOffset() + r.getRange().getLength() - 1)).collect(Collectors.toList());
        assertThat(diff).containsExactlyInAnyOrder("page 2048-2559", "clear 1024-1535");
        byte[] all = p.downloadContent().toBytes();
        assertThat(all).hasSize(4096);
        assertThat(all[0]).isEqualTo((byte) 7);
        assertThat(all[2048]).isEqualTo((byte) 7);
        assertThat(all[1024]).isZero();
        p.resize(8192);
        assertThat(p.getProperties().getBlobSize()).isEqualTo(8192);
        p.updateSequenceNumber(SequenceNumberActionType.UPDATE, 5L);
        assertThat(p.getProperties().getBlobSequenceNumber()).isEqualTo(5);
        p.updateSequenceNumber(SequenceNumberActionType.INCREMENT, null);
        assertThat(p.getProperties().getBlobSequenceNumber()).isEqualTo(6);
        assertThat(status(() -> p.uploadPagesWithResponse(new PageRange().setStart(0).setEnd(511), new ByteArrayInputStream(page), null,
                new com.azure.storage.blob.models.PageBlobRequestConditions().setIfSequenceNumberEqualTo(1L), null, Context.NONE))).isEqualTo(412);
    }

    @Test
    void appends_blocks_and_checks_append_conditions() {
        AppendBlobClient a = newContainer().getBlobClient("log").getAppendBlobClient();
        a.create();
        a.appendBlock(new ByteArrayInputStream("one ".getBytes()), 4);
        a.appendBlock(new ByteArrayInputStream("two".getBytes()), 3);
        assertThat(a.downloadContent().toString()).isEqualTo("one two");
        assertThat(a.getProperties().getCommittedBlockCount()).isEqualTo(2);
        assertThat(code(() -> a.appendBlockWithResponse(new ByteArrayInputStream("x".getBytes()), 1, null,
                new AppendBlobRequestConditions().setAppendPosition(3L), null, Context.NONE))).isEqualTo("AppendPositionConditionNotMet");
        assertThat(code(() -> a.appendBlockWithResponse(new ByteArrayInputStream("x".getBytes()), 1, null,
                new AppendBlobRequestConditions().setMaxSize(7L), null, Context.NONE))).isEqualTo("MaxBlobSizeConditionNotMet");
    }

    @Test
    void leases_a_blob_and_guards_writes_with_the_lease() {
        BlobClient b = newContainer().getBlobClient("leased");
        b.upload(BinaryData.fromString("x"));
        BlobLeaseClient lease = new BlobLeaseClientBuilder().blobClient(b).buildClient();
        String id = lease.acquireLease(15);
        assertThat(b.getProperties().getLeaseState().toString()).isEqualTo("leased");
        assertThat(code(() -> b.upload(BinaryData.fromString("y"), true))).isEqualTo("LeaseIdMissing");
        BlobLeaseClient other = new BlobLeaseClientBuilder().blobClient(b).leaseId(UUID.randomUUID().toString()).buildClient();
        assertThat(code(() -> other.acquireLease(15))).isEqualTo("LeaseAlreadyPresent");
        assertThat(code(other::renewLease)).isEqualTo("LeaseIdMismatchWithLeaseOperation");
        lease.renewLease();
        String newId = UUID.randomUUID().toString();
        lease.changeLease(newId);
        assertThat(lease.getLeaseId()).isEqualTo(newId);
        assertThat(lease.breakLease()).isBetween(1, 15);
        assertThat(b.getProperties().getLeaseState().toString()).isEqualTo("breaking");
        assertThat(code(() -> lease.acquireLease(15))).isEqualTo("LeaseIsBreakingAndCannotBeAcquired");
        lease.releaseLease();
        assertThat(b.getProperties().getLeaseState().toString()).isEqualTo("available");
        String infinite = lease.acquireLease(-1);
        assertThat(infinite).isEqualTo(newId);
        assertThat(lease.breakLease()).isZero();
        assertThat(b.getProperties().getLeaseState().toString()).isEqualTo("broken");
        b.upload(BinaryData.fromString("z"), true);
        assertThat(code(() -> lease.acquireLease(5))).isEqualTo("InvalidHeaderValue");
    }

    @Test
    void leases_a_container_and_guards_its_deletion() {
        BlobContainerClient c = newContainer();
        BlobLeaseClient lease = new BlobLeaseClientBuilder().containerClient(c).buildClient();
        lease.acquireLease(-1);
        assertThat(code(c::delete)).isEqualTo("LeaseIdMissing");
        c.deleteWithResponse(new BlobRequestConditions().setLeaseId(lease.getLeaseId()), null, Context.NONE);
        assertThat(c.exists()).isFalse();
    }

    @Test
    void serves_public_containers_to_anonymous_readers_only_for_reading() {
        BlobContainerClient c = newContainer();
        c.setAccessPolicy(PublicAccessType.CONTAINER, null);
        c.getBlobClient("pub").upload(BinaryData.fromString("public"));
        BlobContainerClient anon = new com.azure.storage.blob.BlobContainerClientBuilder().endpoint(storage.blobEndpoint() + "/" + c.getBlobContainerName()).buildClient();
        assertThat(anon.getBlobClient("pub").downloadContent().toString()).isEqualTo("public");
        assertThat(anon.listBlobs().stream().map(BlobItem::getName).toList()).containsExactly("pub");
        assertThat(status(() -> anon.getBlobClient("pub").upload(BinaryData.fromString("evil"), true))).isEqualTo(403);
        assertThat(c.getBlobClient("pub").downloadContent().toString()).isEqualTo("public");
        BlobContainerClient priv = newContainer();
        priv.getBlobClient("secret").upload(BinaryData.fromString("s"));
        BlobContainerClient anonPriv = new com.azure.storage.blob.BlobContainerClientBuilder().endpoint(storage.blobEndpoint() + "/" + priv.getBlobContainerName()).buildClient();
        assertThat(status(() -> anonPriv.getBlobClient("secret").downloadContent())).isEqualTo(403);
    }

    @Test
    void keeps_service_properties_and_container_access_policies() {
        var props = blobs.getProperties();
        props.setCors(List.of(new com.azure.storage.blob.models.BlobCorsRule().setAllowedOrigins("https://example.org")
                .setAllowedMethods("GET").setAllowedHeaders("*").setExposedHeaders("*").setMaxAgeInSeconds(60)));
        blobs.setProperties(props);
        assertThat(blobs.getProperties().getCors()).extracting(c -> c.getAllowedOrigins()).containsExactly("https://example.org");
        BlobContainerClient c = newContainer();
        var id = new com.azure.storage.blob.models.BlobSignedIdentifier().setId("readers").setAccessPolicy(
                new com.azure.storage.blob.models.BlobAccessPolicy().setPermissions("r")
                        .setStartsOn(java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z")).setExpiresOn(java.time.OffsetDateTime.parse("2027-01-01T00:00:00Z")));
        c.setAccessPolicy(PublicAccessType.BLOB, List.of(id));
        var policy = c.getAccessPolicy();
        assertThat(policy.getBlobAccessType()).isEqualTo(PublicAccessType.BLOB);
        assertThat(policy.getIdentifiers()).extracting(x -> x.getId()).containsExactly("readers");
    }

    @Test
    void lets_exactly_one_of_several_racing_conditional_writers_win() throws Exception {
        BlobClient b = newContainer().getBlobClient("raced");
        b.upload(BinaryData.fromString("v0"));
        String etag = b.getProperties().getETag();
        java.util.concurrent.atomic.AtomicInteger won = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> writers = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String body = "writer " + i;
            writers.add(Thread.ofPlatform().start(() -> {
                int s = status(() -> b.uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromString(body))
                        .setRequestConditions(new BlobRequestConditions().setIfMatch(etag)), null, Context.NONE));
                if (s == 0) won.incrementAndGet();
                else if (s == 412) lost.incrementAndGet();
            }));
        }
        for (Thread t : writers) t.join();
        assertThat(won.get()).isEqualTo(1);
        assertThat(lost.get()).isEqualTo(7);
        assertThat(b.downloadContent().toString()).startsWith("writer ");
    }

    @Test
    void lets_exactly_one_of_several_racing_lease_acquirers_win() throws Exception {
        BlobClient b = newContainer().getBlobClient("contended");
        b.upload(BinaryData.fromString("x"));
        java.util.concurrent.atomic.AtomicInteger won = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> racers = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            racers.add(Thread.ofPlatform().start(() -> {
                BlobLeaseClient l = new BlobLeaseClientBuilder().blobClient(b).leaseId(UUID.randomUUID().toString()).buildClient();
                if (code(() -> l.acquireLease(30)).equals("none")) won.incrementAndGet();
            }));
        }
        for (Thread t : racers) t.join();
        assertThat(won.get()).isEqualTo(1);
    }
}
