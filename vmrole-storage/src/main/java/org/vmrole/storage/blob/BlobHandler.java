package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.http.XmlBody;
import org.vmrole.storage.http.XmlElement;
import org.vmrole.storage.http.XmlWriter;
import org.vmrole.storage.store.ContentFiles;
import org.vmrole.storage.store.Crc64;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Blob operations shared by all blob types, plus block and append blobs. */
final class BlobHandler {
    /** Bodies up to this size are kept inside the metadata row: one fsync instead of two. */
    static final int INLINE_MAX = 256 * 1024;
    private static final long MAX_PUT_BLOB = 5000L * 1024 * 1024;
    private static final long MAX_BLOCK = 4000L * 1024 * 1024;
    private static final long MAX_APPEND_BLOCK = 100L * 1024 * 1024;
    private static final int MAX_BLOCKS = 50_000;
    private static final int MAX_BLOCK_LIST_XML = 8 * 1024 * 1024;
    private static final DateTimeFormatter SNAPSHOT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final BlobStore store;
    private final PageBlobHandler pages;

    BlobHandler(BlobStore store, PageBlobHandler pages) {
        this.store = store;
        this.pages = pages;
    }

    void handle(StorageRequest r, Access access, StorageResponse resp, String container, String blob) throws IOException {
        String comp = r.param("comp") == null ? "" : r.param("comp");
        String account = r.account();
        switch (r.method() + " " + comp) {
            case "GET ", "HEAD " -> {
                requireRead(r, access, container, blob);
                read(r, resp, account, container, blob, r.method().equals("HEAD"));
            }
            case "GET metadata", "HEAD metadata" -> {
                requireRead(r, access, container, blob);
                String leaseId = r.header("x-ms-lease-id");
                BlobRow b = store.transaction(c -> store.blob(c, account, container, blob, r.param("snapshot")));
                b.lease().checkRead(leaseId, "Blob");
                Conditions.from(r).checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
                resp.header("ETag", b.etag()).date("Last-Modified", Instant.ofEpochMilli(b.modified())).metadata(b.metadata()).empty(200);
            }
            case "PUT " -> {
                access.require('o', "wc", container, blob);
                if (r.header("x-ms-copy-source") != null) copy(r, resp, account, container, blob);
                else create(r, resp, account, container, blob);
            }
            case "PUT block" -> {
                access.require('o', "wca", container, blob);
                putBlock(r, resp, account, container, blob);
            }
            case "PUT blocklist" -> {
                access.require('o', "wc", container, blob);
                putBlockList(r, resp, account, container, blob);
            }
            case "GET blocklist" -> {
                access.require('o', 'r', container, blob);
                getBlockList(r, resp, account, container, blob);
            }
            case "PUT appendblock" -> {
                access.require('o', "wa", container, blob);
                appendBlock(r, resp, account, container, blob);
            }
            case "PUT page" -> {
                access.require('o', 'w', container, blob);
                pages.putPage(r, resp, account, container, blob);
            }
            case "GET pagelist" -> {
                access.require('o', 'r', container, blob);
                pages.pageRanges(r, resp, account, container, blob);
            }
            case "PUT metadata" -> {
                access.require('o', 'w', container, blob);
                Map<String, String> meta = r.metadata();
                BlobRow row = update(r, account, container, blob, b -> with(notArchived(b), b.props(), meta, b.size(), b.sequence()));
                resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                        .header("x-ms-request-server-encrypted", "false").empty(200);
            }
            case "PUT properties" -> {
                access.require('o', 'w', container, blob);
                BlobRow row = pages.setProperties(r, account, container, blob, this);
                resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()));
                if (row.type().equals(BlobRow.PAGE)) resp.header("x-ms-blob-sequence-number", String.valueOf(row.sequence()));
                resp.empty(200);
            }
            case "PUT lease" -> {
                access.require('o', 'w', container, blob);
                lease(r, resp, account, container, blob);
            }
            case "PUT snapshot" -> {
                access.require('o', "wc", container, blob);
                snapshot(r, resp, account, container, blob);
            }
            case "PUT tags" -> {
                access.require('o', 't', container, blob);
                setTags(r, resp, account, container, blob);
            }
            case "GET tags" -> {
                access.require('o', 't', container, blob);
                getTags(r, resp, account, container, blob);
            }
            case "PUT seal" -> {
                access.require('o', 'w', container, blob);
                seal(r, resp, account, container, blob);
            }
            case "PUT tier" -> {
                access.require('o', 'w', container, blob);
                setTier(r, resp, account, container, blob);
            }
            case "DELETE " -> {
                access.require('o', 'd', container, blob);
                delete(r, resp, account, container, blob);
            }
            default -> {
                // Azure names a missing container or blob before a verb or comp it does not support
                store.transaction(c -> store.blob(c, account, container, blob, r.param("snapshot")));
                throw BlobApi.unsupported();
            }
        }
    }

    /**
     * Set Blob Tier: Hot, Cool, Cold or Archive on a block blob. Leaving Archive is a rehydration (202): the blob
     * stays archived, its archive status pending, until the rehydration is due ({@link Rehydration}); ETag and
     * Last-Modified do not change.
     */
    private void setTier(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String header = r.header("x-ms-access-tier");
        if (header == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-access-tier.");
        String tier = BlobProperties.tier(header);
        String priority = Rehydration.priority(r.header("x-ms-rehydrate-priority"));
        String leaseId = r.header("x-ms-lease-id");
        TagFilter ifTags = TagFilter.condition(r.header("x-ms-if-tags"));
        boolean rehydrating = store.transaction(c -> {
            BlobRow b = store.blob(c, account, container, blob, r.param("snapshot"));
            if (!b.type().equals(BlobRow.BLOCK)) {
                throw StorageException.badRequest("InvalidBlobTier", "The tier " + tier + " applies to block blobs; this is a " + b.type() + ".");
            }
            if (!b.isSnapshot()) b.lease().checkWrite(leaseId, "Blob");
            TagFilter.check(ifTags, container, b.props().tags());
            BlobProperties p = b.props();
            long now = store.now();
            BlobProperties next;
            if (p.rehydration() != null) next = p.rehydrating(p.rehydration().retiered(tier, priority, now));
            else if (p.archived() && !tier.equals(BlobProperties.ARCHIVE)) next = p.rehydrating(Rehydration.start(tier, priority, now));
            else next = p.withTier(tier, now);
            store.writeBlob(c, account, b.withProps(next));
            return next.rehydration() != null;
        });
        resp.empty(rehydrating ? 202 : 200);
    }

    /** Set Blob Tags: replaces every tag of the blob (or of one of its snapshots is refused, as in Azure). */
    private void setTags(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        if (r.param("snapshot") != null) throw StorageException.badRequest("InvalidQueryParameterValue", "Tags cannot be set on a snapshot.");
        Map<String, String> tags = BlobTags.fromXml(XmlBody.read(r.body(), 64 * 1024, "Tags"));
        String leaseId = r.header("x-ms-lease-id");
        TagFilter ifTags = TagFilter.condition(r.header("x-ms-if-tags"));
        store.transaction(c -> {
            BlobRow b = store.blob(c, account, container, blob, null);
            b.lease().checkWrite(leaseId, "Blob");
            TagFilter.check(ifTags, container, b.props().tags());
            store.writeBlob(c, account, b.withProps(b.props().withTags(tags)));
            return null;
        });
        resp.empty(204);
    }

    private void getTags(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String leaseId = r.header("x-ms-lease-id");
        TagFilter ifTags = TagFilter.condition(r.header("x-ms-if-tags"));
        BlobRow b = store.transaction(c -> store.blob(c, account, container, blob, r.param("snapshot")));
        if (!b.isSnapshot()) b.lease().checkRead(leaseId, "Blob");
        TagFilter.check(ifTags, container, b.props().tags());
        XmlWriter xml = XmlWriter.document();
        BlobTags.write(xml, b.props().tags());
        resp.status(200).body("application/xml", xml.finish());
    }

    /** Seals an append blob: it can no longer be appended to. */
    private void seal(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        Long appendPos = longHeader(r, "x-ms-blob-condition-appendpos");
        BlobRow row = store.transaction(c -> {
            BlobRow b = store.blob(c, account, container, blob, null);
            if (!b.type().equals(BlobRow.APPEND)) throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation: only append blobs are sealed.");
            b.lease().checkWrite(leaseId, "Blob");
            cond.checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
            if (appendPos != null && b.size() != appendPos) {
                throw new StorageException(412, "AppendPositionConditionNotMet", "The append position condition specified was not met.");
            }
            BlobRow next = with(b, b.props().sealedNow(), b.metadata(), b.size(), b.sequence());
            store.writeBlob(c, account, next);
            return next;
        });
        resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified())).header("x-ms-blob-sealed", "true").empty(200);
    }

    /** Archived blobs can be listed, inspected, deleted, overwritten and re-tiered, nothing else. */
    static BlobRow notArchived(BlobRow b) {
        if (b.props().archived()) throw StorageException.conflict("BlobArchived", "This operation is not permitted on an archived blob.");
        return b;
    }

    private void requireRead(StorageRequest r, Access access, String container, String blob) {
        if (access.anonymousCaller()) {
            ContainerRow c = store.container(r.account(), container);
            if (c.publicAccess() != null) return;
        }
        access.require('o', 'r', container, blob);
    }

    // ---- read -------------------------------------------------------------------------------

    private void read(StorageRequest r, StorageResponse resp, String account, String container, String blob, boolean headOnly) throws IOException {
        String snapshot = r.param("snapshot");
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        TagFilter ifTags = TagFilter.condition(r.header("x-ms-if-tags"));
        BlobRow b = store.openForRead(account, container, blob, snapshot, row -> {
            row.lease().checkRead(leaseId, "Blob");
            TagFilter.check(ifTags, container, row.props().tags());
            if (!headOnly) notArchived(row);
        });
        try {
            if (cond.checkRead(b.etag(), b.modified()) == Conditions.Outcome.NOT_MODIFIED) {
                resp.header("ETag", b.etag()).date("Last-Modified", Instant.ofEpochMilli(b.modified())).empty(304);
                return;
            }
            headers(resp, b);
            ByteRange range = headOnly ? null : ByteRange.from(r);
            if (range == null || (b.size() == 0 && range.start() == 0)) {
                resp.header("Content-MD5", b.props().contentMd5()).contentLength(b.size()).header("Content-Type", b.props().contentType());
                resp.status(200);
                if (!headOnly) write(b, 0, b.size(), resp.stream());
                return;
            }
            long end = range.endWithin(b.size());
            long length = end - range.start() + 1;
            if ("true".equalsIgnoreCase(r.header("x-ms-range-get-content-md5"))) {
                if (length > 4L * 1024 * 1024) {
                    throw StorageException.badRequest("OutOfRangeInput", "x-ms-range-get-content-md5 needs a range of at most 4 MiB.");
                }
                resp.header("Content-MD5", rangeMd5(b, range.start(), length));
            }
            resp.header("x-ms-blob-content-md5", b.props().contentMd5())
                    .header("Content-Range", "bytes " + range.start() + "-" + end + "/" + b.size())
                    .header("Content-Type", b.props().contentType()).contentLength(length).status(206);
            write(b, range.start(), length, resp.stream());
        } finally {
            store.releaseAfterRead(b);
        }
    }

    private String rangeMd5(BlobRow b, long start, long length) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            write(b, start, length, new OutputStream() {
                @Override
                public void write(int x) { md.update((byte) x); }

                @Override
                public void write(byte[] buf, int off, int len) { md.update(buf, off, len); }
            });
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void headers(StorageResponse resp, BlobRow b) {
        BlobProperties p = b.props();
        resp.header("ETag", b.etag()).date("Last-Modified", Instant.ofEpochMilli(b.modified()))
                .date("x-ms-creation-time", Instant.ofEpochMilli(b.created()))
                .header("x-ms-blob-type", b.type()).header("Accept-Ranges", "bytes")
                .header("Content-Encoding", p.contentEncoding()).header("Content-Language", p.contentLanguage())
                .header("Cache-Control", p.cacheControl()).header("Content-Disposition", p.contentDisposition())
                .header("x-ms-server-encrypted", "false").metadata(b.metadata());
        if (!b.isSnapshot()) {
            resp.header("x-ms-lease-status", b.lease().status()).header("x-ms-lease-state", b.lease().reportedState());
            if (b.lease().active()) resp.header("x-ms-lease-duration", b.lease().duration() < 0 ? "infinite" : "fixed");
        }
        if (b.type().equals(BlobRow.PAGE)) resp.header("x-ms-blob-sequence-number", String.valueOf(b.sequence()));
        if (b.type().equals(BlobRow.APPEND)) {
            resp.header("x-ms-blob-committed-block-count", String.valueOf(b.segments().size())).header("x-ms-blob-sealed", String.valueOf(p.sealed()));
        }
        if (b.type().equals(BlobRow.BLOCK)) {
            resp.header("x-ms-access-tier", p.accessTier() == null ? "Hot" : p.accessTier())
                    .header("x-ms-access-tier-inferred", p.accessTier() == null ? "true" : null)
                    .header("x-ms-archive-status", p.archiveStatus())
                    .header("x-ms-rehydrate-priority", p.rehydration() == null ? null : p.rehydration().priority());
            if (p.tierChanged() != null) resp.date("x-ms-access-tier-change-time", Instant.ofEpochMilli(p.tierChanged()));
        }
        if (!p.tags().isEmpty()) resp.header("x-ms-tag-count", String.valueOf(p.tags().size()));
        if (b.copyId() != null) {
            resp.header("x-ms-copy-id", b.copyId()).header("x-ms-copy-status", "success").header("x-ms-copy-source", b.copySource())
                    .header("x-ms-copy-progress", b.size() + "/" + b.size());
        }
    }

    /** Streams bytes [start, start+length) of a blob, whatever kind of storage holds them. */
    void write(BlobRow b, long start, long length, OutputStream out) throws IOException {
        if (length <= 0) return;
        if (b.inline() != null) {
            out.write(b.inline(), (int) start, (int) length);
            return;
        }
        if (b.pageFile() != null) {
            pages.write(b, start, length, out);
            return;
        }
        long pos = 0;
        long remaining = length;
        byte[] buf = new byte[256 * 1024];
        for (Segment s : b.segments()) {
            long segEnd = pos + s.size();
            if (segEnd > start && remaining > 0) {
                long from = Math.max(0, start - pos);
                long n = Math.min(s.size() - from, remaining);
                try (InputStream in = java.nio.file.Files.newInputStream(store.content().path(s.content()))) {
                    in.skipNBytes(from);
                    long left = n;
                    while (left > 0) {
                        int k = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (k < 0) throw new IOException("content file " + s.content() + " is shorter than its metadata says");
                        out.write(buf, 0, k);
                        left -= k;
                    }
                }
                remaining -= n;
            }
            pos = segEnd;
            if (remaining == 0) break;
        }
    }

    // ---- create / put blob -------------------------------------------------------------------

    private void create(StorageRequest r, StorageResponse resp, String account, String container, String blob) throws IOException {
        String type = r.header("x-ms-blob-type");
        if (type == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.");
        switch (type) {
            case BlobRow.BLOCK -> putBlob(r, resp, account, container, blob);
            case BlobRow.PAGE -> pages.create(r, resp, account, container, blob, this);
            case BlobRow.APPEND -> {
                if (r.contentLength() > 0) throw StorageException.invalidHeader("Content-Length", String.valueOf(r.contentLength()));
                BlobProperties props = BlobProperties.fromUpload(r);
                BlobRow row = commitNew(r, account, container, blob, BlobRow.APPEND, 0, props, List.of(), null, null, List.of(), 0);
                resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                        .header("x-ms-request-server-encrypted", "false").empty(201);
            }
            default -> throw StorageException.invalidHeader("x-ms-blob-type", type);
        }
    }

    private void putBlob(StorageRequest r, StorageResponse resp, String account, String container, String blob) throws IOException {
        long length = r.contentLength();
        if (length > MAX_PUT_BLOB) throw new StorageException(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit of 5000 MiB.");
        BlobProperties props = BlobProperties.fromUpload(r);
        String givenMd5 = r.header("Content-MD5");
        String givenCrc = r.header("x-ms-content-crc64");
        String md5;
        byte[] inline = null;
        ContentFiles.Written w = null;
        long size;
        if (length >= 0 && length <= INLINE_MAX) {
            inline = r.body().readNBytes((int) length);
            if (inline.length != length) throw StorageException.badRequest("InvalidInput", "The request body is shorter than Content-Length.");
            md5 = Base64.getEncoder().encodeToString(md5(inline));
            if (givenCrc != null) {
                Crc64 crc = new Crc64();
                crc.update(inline, 0, inline.length);
                checkCrc(givenCrc, crc.value());
            }
            size = length;
        } else {
            w = store.content().write(r.body(), length, MAX_PUT_BLOB, true, givenCrc != null);
            md5 = Base64.getEncoder().encodeToString(w.md5());
            if (givenCrc != null) checkCrc(givenCrc, w.crc64());
            size = w.length();
        }
        try {
            if (givenMd5 != null && !givenMd5.equals(md5)) {
                throw StorageException.badRequest("Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
            }
            String blobMd5 = r.header("x-ms-blob-content-md5");
            props = props.withMd5(blobMd5 != null ? blobMd5 : md5);
            List<Segment> segs = w == null ? List.of() : List.of(new Segment("", w.id(), w.length()));
            BlobRow row = commitNew(r, account, container, blob, BlobRow.BLOCK, size, props, segs, inline, null, List.of(), 0);
            resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                    .header("Content-MD5", md5).header("x-ms-request-server-encrypted", "false").empty(201);
        } finally {
            if (w != null) store.content().release(w.id());
        }
    }

    private static void checkCrc(String given, long computed) {
        if (!given.trim().equals(UploadChecksums.crcHeader(computed))) {
            throw StorageException.badRequest("Crc64Mismatch", "The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.");
        }
    }

    /** Writes a new base blob row, replacing any existing one after conditions and lease are checked. */
    BlobRow commitNew(StorageRequest r, String account, String container, String blob, String type, long size, BlobProperties props,
                      List<Segment> segs, byte[] inline, String pageFile, List<long[]> ranges, long seq) {
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        Map<String, String> meta = r.metadata();
        BlobProperties tagged = props.withTags(BlobTags.fromHeader(r.header("x-ms-tags")));
        TagFilter ifTags = TagFilter.condition(r.header("x-ms-if-tags"));
        return store.transaction(c -> {
            store.container(c, account, container);
            BlobRow existing = store.findBlob(c, account, container, blob, null);
            cond.checkWrite(existing == null ? null : existing.etag(), existing == null ? null : existing.modified(), "BlobAlreadyExists");
            if (existing != null) TagFilter.check(ifTags, container, existing.props().tags());
            Lease lease = existing == null ? Lease.NONE : existing.lease();
            lease.checkWrite(leaseId, "Blob");
            long now = store.now();
            BlobRow row = new BlobRow(container, blob, "", type, size, store.newEtag(), existing == null ? now : existing.created(), now,
                    tagged, meta, segs, inline, pageFile, ranges, seq, lease, null, null);
            store.writeBlob(c, account, row);
            if (type.equals(BlobRow.BLOCK)) store.clearUncommittedBlocks(c, account, container, blob);
            return row;
        });
    }

    // ---- blocks -------------------------------------------------------------------------------

    private void putBlock(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String blockId = blockId(r.param("blockid"));
        long length = r.contentLength();
        if (length > MAX_BLOCK) throw new StorageException(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit of 4000 MiB.");
        UploadChecksums sums = UploadChecksums.from(r);
        ContentFiles.Written w = store.content().write(r.body(), length, MAX_BLOCK, sums.needsMd5(), sums.needsCrc());
        try {
            sums.check(w.md5(), w.crc64());
            String leaseId = r.header("x-ms-lease-id");
            // the lease check and the block's row in one transaction: one group commit (one WAL fsync) per Put Block,
            // where a check of its own waited for a commit before the row's
            store.transaction(c -> {
                BlobRow existing = store.findBlob(c, account, container, blob, null);
                if (existing != null) {
                    requireBlockBlob(existing);
                    existing.lease().checkWrite(leaseId, "Blob");
                }
                store.stageBlock(c, account, container, blob, blockId, w);
                return null;
            });
        } finally {
            store.content().release(w.id());
        }
        sums.respond(resp, w.crc64());
        resp.header("x-ms-request-server-encrypted", "false").empty(201);
    }

    private static String blockId(String id) {
        if (id == null || id.isEmpty()) throw StorageException.badRequest("InvalidQueryParameterValue", "blockid is required.");
        try {
            byte[] raw = Base64.getDecoder().decode(id);
            if (raw.length > 64) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw StorageException.invalidQuery("blockid", id);
        }
        return id;
    }

    private void putBlockList(StorageRequest r, StorageResponse resp, String account, String container, String blob) throws IOException {
        XmlElement doc = XmlBody.read(r.body(), MAX_BLOCK_LIST_XML, "BlockList");
        if (doc == null) throw XmlBody.invalid("expected a <BlockList>");
        List<String[]> wanted = new ArrayList<>();
        for (XmlElement e : doc.children()) {
            if (!e.name().equals("Latest") && !e.name().equals("Committed") && !e.name().equals("Uncommitted")) {
                throw XmlBody.invalid("<BlockList> holds only <Latest>, <Committed> and <Uncommitted>, not <" + e.name() + ">");
            }
            wanted.add(new String[]{e.name(), e.text().strip()});
        }
        if (wanted.size() > MAX_BLOCKS) throw StorageException.badRequest("InvalidBlockList", "The specified block list is invalid: more than 50,000 blocks.");
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        Map<String, String> tags = BlobTags.fromHeader(r.header("x-ms-tags"));
        Map<String, String> meta = r.metadata();
        BlobRow row = store.transaction(c -> {
            store.container(c, account, container);
            BlobRow existing = store.findBlob(c, account, container, blob, null);
            cond.checkWrite(existing == null ? null : existing.etag(), existing == null ? null : existing.modified(), "BlobAlreadyExists");
            if (existing != null) requireBlockBlob(existing);
            Lease lease = existing == null ? Lease.NONE : existing.lease();
            lease.checkWrite(leaseId, "Blob");
            Map<String, Segment> committed = new HashMap<>();
            if (existing != null && existing.type().equals(BlobRow.BLOCK)) {
                for (Segment s : existing.segments()) if (!s.id().isEmpty()) committed.put(s.id(), s);
            }
            Map<String, BlobStore.Block> staged = store.uncommittedBlocks(c, account, container, blob);
            List<Segment> segs = new ArrayList<>();
            long size = 0;
            for (String[] e : wanted) {
                Segment s = switch (e[0]) {
                    case "Committed" -> committed.get(e[1]);
                    case "Uncommitted" -> fromBlock(staged.get(e[1]));
                    default -> staged.containsKey(e[1]) ? fromBlock(staged.get(e[1])) : committed.get(e[1]);
                };
                if (s == null) throw StorageException.badRequest("InvalidBlockList", "The specified block list is invalid: block " + e[1] + " was not found.");
                segs.add(s);
                size += s.size();
            }
            long now = store.now();
            BlobProperties props = BlobProperties.fromMsHeaders(r, null).withTags(tags);
            BlobRow next = new BlobRow(container, blob, "", BlobRow.BLOCK, size, store.newEtag(), existing == null ? now : existing.created(), now,
                    props, meta, segs, null, null, List.of(), 0, lease, null, null);
            store.writeBlob(c, account, next);
            store.clearUncommittedBlocks(c, account, container, blob);
            return next;
        });
        resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                .header("x-ms-request-server-encrypted", "false").empty(201);
    }

    private static void requireBlockBlob(BlobRow existing) {
        if (!existing.type().equals(BlobRow.BLOCK)) throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation.");
    }

    private static Segment fromBlock(BlobStore.Block b) {
        return b == null ? null : new Segment(b.id(), b.content(), b.size());
    }

    private void getBlockList(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String type = r.param("blocklisttype") == null ? "committed" : r.param("blocklisttype").toLowerCase();
        if (!List.of("committed", "uncommitted", "all").contains(type)) throw StorageException.invalidQuery("blocklisttype", type);
        String snapshot = r.param("snapshot");
        XmlWriter xml = XmlWriter.document().start("BlockList");
        BlobRow row = store.transaction(c -> {
            BlobRow existing = store.findBlob(c, account, container, blob, snapshot);
            Map<String, BlobStore.Block> staged = store.uncommittedBlocks(c, account, container, blob);
            if (existing == null && staged.isEmpty()) {
                store.container(c, account, container);
                throw StorageException.notFound("BlobNotFound", "The specified blob does not exist.");
            }
            if (existing != null && !existing.type().equals(BlobRow.BLOCK)) {
                throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation.");
            }
            if (!type.equals("uncommitted")) {
                xml.start("CommittedBlocks");
                if (existing != null) {
                    for (Segment s : existing.segments()) {
                        if (!s.id().isEmpty()) xml.start("Block").element("Name", s.id()).element("Size", s.size()).end();
                    }
                }
                xml.end();
            }
            if (!type.equals("committed")) {
                xml.start("UncommittedBlocks");
                for (BlobStore.Block b : staged.values()) xml.start("Block").element("Name", b.id()).element("Size", b.size()).end();
                xml.end();
            }
            return existing;
        });
        if (row != null) {
            resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                    .header("x-ms-blob-content-length", String.valueOf(row.size()));
        }
        resp.status(200).body("application/xml", xml.finish());
    }

    // ---- append -------------------------------------------------------------------------------

    private void appendBlock(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        long length = r.contentLength();
        if (length > MAX_APPEND_BLOCK) throw new StorageException(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit of 100 MiB.");
        UploadChecksums sums = UploadChecksums.from(r);
        Long maxSize = longHeader(r, "x-ms-blob-condition-maxsize");
        Long appendPos = longHeader(r, "x-ms-blob-condition-appendpos");
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        ContentFiles.Written w = store.content().write(r.body(), length, MAX_APPEND_BLOCK, sums.needsMd5(), sums.needsCrc());
        try {
            sums.check(w.md5(), w.crc64());
            long[] offset = new long[1];
            BlobRow row = store.transaction(c -> {
                BlobRow b = store.blob(c, account, container, blob, null);
                if (!b.type().equals(BlobRow.APPEND)) throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation.");
                b.lease().checkWrite(leaseId, "Blob");
                cond.checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
                if (b.props().sealed()) throw StorageException.conflict("BlobIsSealed", "The blob is sealed and its contents cannot be modified.");
                if (maxSize != null && b.size() + w.length() > maxSize) {
                    throw new StorageException(412, "MaxBlobSizeConditionNotMet", "The max blob size condition specified was not met.");
                }
                if (appendPos != null && b.size() != appendPos) {
                    throw new StorageException(412, "AppendPositionConditionNotMet", "The append position condition specified was not met.");
                }
                if (b.segments().size() >= MAX_BLOCKS) {
                    throw StorageException.conflict("BlockCountExceedsLimit", "The committed block count cannot exceed the maximum limit of 50,000 blocks.");
                }
                offset[0] = b.size();
                List<Segment> segs = new ArrayList<>(b.segments());
                segs.add(new Segment(UUID.randomUUID().toString(), w.id(), w.length()));
                BlobRow next = with(b, b.props(), b.metadata(), b.size() + w.length(), b.sequence(), segs);
                store.writeBlob(c, account, next);
                return next;
            });
            resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                    .header("x-ms-blob-append-offset", String.valueOf(offset[0]))
                    .header("x-ms-blob-committed-block-count", String.valueOf(row.segments().size()))
                    .header("x-ms-request-server-encrypted", "false");
            sums.respond(resp, w.crc64());
            resp.empty(201);
        } finally {
            store.content().release(w.id());
        }
    }

    static Long longHeader(StorageRequest r, String name) {
        String v = r.header(name);
        if (v == null) return null;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw StorageException.invalidHeader(name, v);
        }
    }

    // ---- update / lease / snapshot / delete / copy -----------------------------------------------

    /** Applies {@code change} to the base blob after conditions and lease pass, with a new ETag. */
    BlobRow update(StorageRequest r, String account, String container, String blob, java.util.function.UnaryOperator<BlobRow> change) {
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        return store.transaction(c -> {
            BlobRow b = store.blob(c, account, container, blob, null);
            b.lease().checkWrite(leaseId, "Blob");
            cond.checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
            BlobRow next = change.apply(b);
            store.writeBlob(c, account, next);
            return next;
        });
    }

    BlobRow with(BlobRow b, BlobProperties props, Map<String, String> meta, long size, long seq) {
        return with(b, props, meta, size, seq, b.segments());
    }

    BlobRow with(BlobRow b, BlobProperties props, Map<String, String> meta, long size, long seq, List<Segment> segs) {
        return new BlobRow(b.container(), b.name(), b.snapshot(), b.type(), size, store.newEtag(), b.created(), store.now(), props, meta,
                segs, b.inline(), b.pageFile(), b.pageRanges(), seq, b.lease(), b.copyId(), b.copySource());
    }

    private void lease(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String action = r.header("x-ms-lease-action");
        String leaseId = r.header("x-ms-lease-id");
        String proposed = r.header("x-ms-proposed-lease-id");
        Conditions cond = Conditions.from(r);
        long now = store.now();
        BlobRow row = store.transaction(c -> {
            BlobRow b = store.blob(c, account, container, blob, null);
            cond.checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
            Lease next = LeaseAction.apply(b.lease(), action, leaseId, proposed, r, now);
            BlobRow updated = new BlobRow(b.container(), b.name(), b.snapshot(), b.type(), b.size(), b.etag(), b.created(), b.modified(),
                    b.props(), b.metadata(), b.segments(), b.inline(), b.pageFile(), b.pageRanges(), b.sequence(), next, b.copyId(), b.copySource());
            store.writeBlob(c, account, updated);
            return updated;
        });
        LeaseAction.respond(resp, row.lease(), action, now, row.etag(), row.modified());
    }

    private void snapshot(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        Map<String, String> meta = r.metadata();
        BlobRow source = store.openForRead(account, container, blob, null, b -> {
            b.lease().checkRead(leaseId, "Blob");
            cond.checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
            notArchived(b);
        });
        String pageCopy = null;
        try {
            if (source.pageFile() != null) pageCopy = pages.copyPageFile(source);
            String copy = pageCopy;
            BlobRow snap = store.transaction(c -> {
                String time = uniqueSnapshotTime(c, account, container, blob);
                BlobRow s = new BlobRow(container, blob, time, source.type(), source.size(), source.etag(), source.created(), source.modified(),
                        source.props(), meta.isEmpty() ? source.metadata() : meta, source.segments(), source.inline(), copy, source.pageRanges(),
                        source.sequence(), Lease.NONE, source.copyId(), source.copySource());
                store.writeBlob(c, account, s);
                return s;
            });
            resp.header("x-ms-snapshot", snap.snapshot()).header("ETag", snap.etag())
                    .date("Last-Modified", Instant.ofEpochMilli(snap.modified())).header("x-ms-request-server-encrypted", "false").empty(201);
        } finally {
            store.releaseAfterRead(source);
            if (pageCopy != null) store.content().release(pageCopy);
        }
    }

    private String uniqueSnapshotTime(java.sql.Connection c, String account, String container, String blob) throws java.sql.SQLException {
        Instant t = Instant.ofEpochMilli(store.now()).plusNanos(System.nanoTime() % 1_000_000 / 100 * 100);
        while (store.findBlob(c, account, container, blob, SNAPSHOT.format(t)) != null) t = t.plusNanos(100);
        return SNAPSHOT.format(t);
    }

    private void delete(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String snapshot = r.param("snapshot");
        String mode = r.header("x-ms-delete-snapshots");
        if (mode != null && !mode.equals("include") && !mode.equals("only")) throw StorageException.invalidHeader("x-ms-delete-snapshots", mode);
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        store.transaction(c -> {
            BlobRow b = store.blob(c, account, container, blob, snapshot);
            cond.checkWrite(b.etag(), b.modified(), "BlobAlreadyExists");
            if (b.isSnapshot()) {
                if (mode != null) throw StorageException.badRequest("InvalidQueryParameterValue", "x-ms-delete-snapshots is not allowed when deleting a snapshot.");
                try (var ps = c.prepareStatement("DELETE FROM blobs WHERE account=? AND container=? AND name=? AND snapshot=?")) {
                    ps.setString(1, account);
                    ps.setString(2, container);
                    ps.setString(3, blob);
                    ps.setString(4, snapshot);
                    ps.executeUpdate();
                }
                return null;
            }
            b.lease().checkWrite(leaseId, "Blob");
            boolean snaps = store.hasSnapshots(c, account, container, blob);
            if (snaps && mode == null) throw StorageException.conflict("SnapshotsPresent", "This operation is not permitted because the blob has snapshots.");
            store.deleteBlobRows(c, account, container, blob, !"only".equals(mode), snaps);
            return null;
        });
        resp.empty(202);
    }

    private void copy(StorageRequest r, StorageResponse resp, String account, String container, String blob) {
        String[] src = parseCopySource(r.header("x-ms-copy-source"), account);
        Conditions sourceCond = Conditions.sourceFrom(r);
        BlobRow source = store.openForRead(account, src[0], src[1], src[2], b -> {
            notArchived(b);
            if (sourceCond.any() && sourceCond.checkRead(b.etag(), b.modified()) == Conditions.Outcome.NOT_MODIFIED) {
                throw new StorageException(412, "SourceConditionNotMet", "The source condition specified using HTTP conditional header(s) is not met.");
            }
        });
        String pageCopy = null;
        try {
            if (source.pageFile() != null) pageCopy = pages.copyPageFile(source);
            Map<String, String> meta = r.metadata();
            String copyId = UUID.randomUUID().toString();
            BlobRow row = commitCopy(r, account, container, blob, source, pageCopy, meta.isEmpty() ? source.metadata() : meta, copyId, r.header("x-ms-copy-source"));
            resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                    .header("x-ms-copy-id", copyId).header("x-ms-copy-status", "success").empty(202);
        } finally {
            store.releaseAfterRead(source);
            if (pageCopy != null) store.content().release(pageCopy);
        }
    }

    private BlobRow commitCopy(StorageRequest r, String account, String container, String blob, BlobRow source, String pageFile,
                               Map<String, String> meta, String copyId, String copySource) {
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        Map<String, String> tags = BlobTags.fromHeader(r.header("x-ms-tags"));
        return store.transaction(c -> {
            store.container(c, account, container);
            BlobRow existing = store.findBlob(c, account, container, blob, null);
            cond.checkWrite(existing == null ? null : existing.etag(), existing == null ? null : existing.modified(), "BlobAlreadyExists");
            Lease lease = existing == null ? Lease.NONE : existing.lease();
            lease.checkWrite(leaseId, "Blob");
            long now = store.now();
            BlobRow row = new BlobRow(container, blob, "", source.type(), source.size(), store.newEtag(), existing == null ? now : existing.created(), now,
                    source.props().withTier(BlobProperties.tier(r.header("x-ms-access-tier")), null).withTags(tags), meta, source.segments(), source.inline(), pageFile, source.pageRanges(), source.sequence(), lease, copyId, copySource);
            store.writeBlob(c, account, row);
            store.clearUncommittedBlocks(c, account, container, blob);
            return row;
        });
    }

    /** container, blob, snapshot of a copy source URL, which must name a blob in the same account. */
    private static String[] parseCopySource(String url, String account) {
        try {
            URI u = new URI(url);
            String path = URLDecoder.decode(u.getRawPath().replace("+", "%2B"), StandardCharsets.UTF_8);
            String prefix = "/" + account + "/";
            if (!path.startsWith(prefix)) {
                throw new StorageException(400, "CannotVerifyCopySource", "Copy source must be a blob in the same account (" + account + ").");
            }
            String rest = path.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) throw StorageException.invalidHeader("x-ms-copy-source", url);
            String snapshot = null;
            if (u.getRawQuery() != null) {
                for (String p : u.getRawQuery().split("&")) {
                    if (p.startsWith("snapshot=")) snapshot = URLDecoder.decode(p.substring(9), StandardCharsets.UTF_8);
                }
            }
            return new String[]{rest.substring(0, slash), rest.substring(slash + 1), snapshot};
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw StorageException.invalidHeader("x-ms-copy-source", url);
        }
    }

    static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
