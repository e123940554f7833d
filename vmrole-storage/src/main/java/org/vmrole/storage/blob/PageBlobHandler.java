package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Page blobs: a sparse file per blob, written in place at 512-byte aligned offsets and fsync'd before
 * the metadata (valid ranges, ETag) commits. Cleared pages are dropped from the valid ranges and read
 * back as zeros, so clearing costs no I/O.
 */
final class PageBlobHandler {
    private static final long PAGE = 512;
    private static final long MAX_SIZE = 8L * 1024 * 1024 * 1024 * 1024;
    private static final long MAX_WRITE = 4L * 1024 * 1024;
    private final BlobStore store;

    PageBlobHandler(BlobStore store) {
        this.store = store;
    }

    void create(StorageRequest r, StorageResponse resp, String account, String container, String blob, BlobHandler blobs) {
        long size = size(r.header("x-ms-blob-content-length"));
        Long seq = BlobHandler.longHeader(r, "x-ms-blob-sequence-number");
        if (seq != null && seq < 0) throw StorageException.invalidHeader("x-ms-blob-sequence-number", String.valueOf(seq));
        String file = store.content().createSparse(size);
        try {
            BlobProperties props = BlobProperties.fromUpload(r);
            BlobRow row = blobs.commitNew(r, account, container, blob, BlobRow.PAGE, size, props, List.of(), null, file, List.of(), seq == null ? 0 : seq);
            resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                    .header("x-ms-request-server-encrypted", "false").empty(201);
        } finally {
            store.content().release(file);
        }
    }

    private static long size(String v) {
        if (v == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-content-length.");
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0 || n % PAGE != 0 || n > MAX_SIZE) throw StorageException.invalidHeader("x-ms-blob-content-length", v);
            return n;
        } catch (NumberFormatException e) {
            throw StorageException.invalidHeader("x-ms-blob-content-length", v);
        }
    }

    void putPage(StorageRequest r, StorageResponse resp, String account, String container, String blob) throws IOException {
        ByteRange range = ByteRange.from(r);
        if (range == null || range.end() == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-range.");
        long start = range.start(), end = range.end();
        if (start % PAGE != 0 || (end + 1) % PAGE != 0) throw StorageException.invalidHeader("x-ms-range", "bytes=" + start + "-" + end);
        String action = r.header("x-ms-page-write");
        if (action == null || (!action.equals("update") && !action.equals("clear"))) throw StorageException.invalidHeader("x-ms-page-write", action);
        boolean update = action.equals("update");
        long length = end - start + 1;
        if (update && length > MAX_WRITE) throw new StorageException(413, "RequestBodyTooLarge", "A page write may carry at most 4 MiB.");
        if (update && r.contentLength() != length) throw StorageException.badRequest("InvalidHeaderValue", "Content-Length must equal the x-ms-range length.");
        if (!update && r.contentLength() > 0) throw StorageException.invalidHeader("Content-Length", String.valueOf(r.contentLength()));
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        Long le = BlobHandler.longHeader(r, "x-ms-if-sequence-number-le");
        Long lt = BlobHandler.longHeader(r, "x-ms-if-sequence-number-lt");
        Long eq = BlobHandler.longHeader(r, "x-ms-if-sequence-number-eq");
        BlobRow b = store.openForRead(account, container, blob, null, row -> {
            if (!row.type().equals(BlobRow.PAGE)) throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation.");
            row.lease().checkWrite(leaseId, "Blob");
            cond.checkWrite(row.etag(), row.modified(), "BlobAlreadyExists");
            checkSequence(row.sequence(), le, lt, eq);
            if (end >= row.size()) throw new StorageException(416, "InvalidPageRange", "The page range specified is invalid.");
        });
        try {
            UploadChecksums sums = UploadChecksums.from(r);
            long crc = 0;
            if (update) {
                byte[] data = r.body().readNBytes((int) length);
                if (data.length != length) throw StorageException.badRequest("InvalidInput", "The request body is shorter than Content-Length.");
                crc = UploadChecksums.crc(data);
                sums.check(sums.needsMd5() ? BlobHandler.md5(data) : null, crc);
                try (FileChannel ch = FileChannel.open(store.content().path(b.pageFile()), StandardOpenOption.WRITE)) {
                    ByteBuffer bb = ByteBuffer.wrap(data);
                    long pos = start;
                    while (bb.hasRemaining()) pos += ch.write(bb, pos);
                    ch.force(false);
                }
            }
            BlobRow row = store.transaction(c -> {
                BlobRow cur = store.blob(c, account, container, blob, null);
                if (!cur.pageFile().equals(b.pageFile())) throw StorageException.conflict("BlobModifiedWhileReading", "The blob was replaced during the write; retry.");
                List<long[]> ranges = update ? PageRanges.add(cur.pageRanges(), start, end) : PageRanges.remove(cur.pageRanges(), start, end);
                BlobRow next = new BlobRow(cur.container(), cur.name(), "", cur.type(), cur.size(), store.newEtag(), cur.created(), store.now(),
                        cur.props(), cur.metadata(), List.of(), null, cur.pageFile(), ranges, cur.sequence(), cur.lease(), cur.copyId(), cur.copySource());
                store.writeBlob(c, account, next);
                return next;
            });
            resp.header("ETag", row.etag()).date("Last-Modified", Instant.ofEpochMilli(row.modified()))
                    .header("x-ms-blob-sequence-number", String.valueOf(row.sequence())).header("x-ms-request-server-encrypted", "false");
            if (update) sums.respond(resp, crc);
            resp.empty(201);
        } finally {
            store.releaseAfterRead(b);
        }
    }

    private static void checkSequence(long seq, Long le, Long lt, Long eq) {
        if ((le != null && seq > le) || (lt != null && seq >= lt) || (eq != null && seq != eq)) {
            throw new StorageException(412, "SequenceNumberConditionNotMet", "The sequence number condition specified was not met.");
        }
    }

    void pageRanges(StorageRequest r, StorageResponse resp, String account, String container, String blob) throws IOException {
        String snapshot = r.param("snapshot");
        String prev = r.param("prevsnapshot");
        ByteRange range = ByteRange.from(r);
        Conditions cond = Conditions.from(r);
        String leaseId = r.header("x-ms-lease-id");
        BlobRow b = store.openForRead(account, container, blob, snapshot, row -> {
            if (!row.type().equals(BlobRow.PAGE)) throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation.");
            row.lease().checkRead(leaseId, "Blob");
            if (cond.checkRead(row.etag(), row.modified()) == Conditions.Outcome.NOT_MODIFIED) throw new StorageException(304, "ConditionNotMet", "Not modified.");
        });
        BlobRow old = null;
        try {
            long from = range == null ? 0 : range.start();
            long to = range == null || range.end() == null ? b.size() - 1 : Math.min(range.end(), b.size() - 1);
            List<long[]> valid = PageRanges.within(b.pageRanges(), from, to);
            List<long[]> cleared = List.of();
            if (prev != null) {
                old = store.openForRead(account, container, blob, prev, row -> { });
                List<long[]> oldValid = PageRanges.within(old.pageRanges(), from, to);
                valid = changed(b, old, valid, oldValid);
                cleared = oldValid;
                for (long[] v : PageRanges.within(b.pageRanges(), from, to)) cleared = PageRanges.remove(cleared, v[0], v[1]);
            }
            String marker = r.param("marker");
            int max = r.intParam("maxresults", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
            long after = -1;
            if (marker != null && !marker.isEmpty()) {
                try {
                    after = Long.parseLong(marker);
                } catch (NumberFormatException e) {
                    throw StorageException.invalidQuery("marker", marker);
                }
            }
            List<long[]> all = new ArrayList<>();
            for (long[] v : valid) all.add(new long[]{v[0], v[1], 0});
            for (long[] v : cleared) all.add(new long[]{v[0], v[1], 1});
            all.sort((x, y) -> Long.compare(x[0], y[0]));
            StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><PageList>");
            int n = 0;
            String next = "";
            for (long[] v : all) {
                if (v[0] <= after) continue;
                if (n == max) {
                    next = String.valueOf(v[0] - 1);
                    break;
                }
                String tag = v[2] == 0 ? "PageRange" : "ClearRange";
                sb.append('<').append(tag).append("><Start>").append(v[0]).append("</Start><End>").append(v[1]).append("</End></").append(tag).append('>');
                n++;
            }
            if (marker != null || !next.isEmpty()) sb.append("<NextMarker>").append(next).append("</NextMarker>");
            sb.append("</PageList>");
            resp.header("ETag", b.etag()).date("Last-Modified", Instant.ofEpochMilli(b.modified()))
                    .header("x-ms-blob-content-length", String.valueOf(b.size()));
            resp.status(200).body("application/xml", sb.toString());
        } finally {
            store.releaseAfterRead(b);
            if (old != null) store.releaseAfterRead(old);
        }
    }

    /** Pages valid now whose bytes differ from the snapshot's (pages absent from the snapshot count as changed). */
    private List<long[]> changed(BlobRow now, BlobRow old, List<long[]> valid, List<long[]> oldValid) throws IOException {
        List<long[]> out = new ArrayList<>();
        byte[] a = new byte[(int) PAGE];
        byte[] b = new byte[(int) PAGE];
        try (FileChannel cn = FileChannel.open(store.content().path(now.pageFile()), StandardOpenOption.READ);
             FileChannel co = FileChannel.open(store.content().path(old.pageFile()), StandardOpenOption.READ)) {
            for (long[] v : valid) {
                for (long p = v[0]; p <= v[1]; p += PAGE) {
                    boolean inOld = !PageRanges.within(oldValid, p, p + PAGE - 1).isEmpty();
                    boolean differs = true;
                    if (inOld && p + PAGE <= old.size()) {
                        readFully(cn, a, p);
                        readFully(co, b, p);
                        differs = !Arrays.equals(a, b);
                    }
                    if (differs) out = PageRanges.add(out, p, p + PAGE - 1);
                }
            }
        }
        return out;
    }

    private static void readFully(FileChannel ch, byte[] buf, long pos) throws IOException {
        Arrays.fill(buf, (byte) 0);
        ByteBuffer bb = ByteBuffer.wrap(buf);
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos + bb.position());
            if (n < 0) break;
        }
    }

    /** Set Blob Properties for every blob type; page blobs may also resize and change their sequence number. */
    BlobRow setProperties(StorageRequest r, String account, String container, String blob, BlobHandler blobs) {
        String newSize = r.header("x-ms-blob-content-length");
        String seqAction = r.header("x-ms-sequence-number-action");
        Long seqValue = BlobHandler.longHeader(r, "x-ms-blob-sequence-number");
        return blobs.update(r, account, container, blob, b -> {
            BlobProperties props = BlobProperties.fromMsHeaders(r, b.props());
            long size = b.size();
            long seq = b.sequence();
            List<long[]> ranges = b.pageRanges();
            if ((newSize != null || seqAction != null) && !b.type().equals(BlobRow.PAGE)) {
                throw StorageException.conflict("InvalidBlobType", "The blob type is invalid for this operation.");
            }
            if (newSize != null) {
                size = size(newSize);
                try (FileChannel ch = FileChannel.open(store.content().path(b.pageFile()), StandardOpenOption.WRITE)) {
                    if (size < b.size()) ch.truncate(size);
                    else if (size > b.size()) ch.write(ByteBuffer.allocate(0), size);
                    if (size > ch.size()) {
                        ch.position(size - 1);
                        ch.write(ByteBuffer.wrap(new byte[1]));
                    }
                    ch.force(true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (size < b.size()) ranges = PageRanges.within(ranges, 0, size - 1);
            }
            if (seqAction != null) {
                seq = switch (seqAction) {
                    case "max" -> Math.max(seq, required(seqValue));
                    case "update" -> required(seqValue);
                    case "increment" -> {
                        if (seqValue != null) throw StorageException.badRequest("InvalidHeaderValue", "x-ms-blob-sequence-number must not be given with increment.");
                        yield seq + 1;
                    }
                    default -> throw StorageException.invalidHeader("x-ms-sequence-number-action", seqAction);
                };
            }
            BlobRow next = blobs.with(b, props, b.metadata(), size, seq);
            return new BlobRow(next.container(), next.name(), next.snapshot(), next.type(), next.size(), next.etag(), next.created(), next.modified(),
                    next.props(), next.metadata(), next.segments(), next.inline(), next.pageFile(), ranges, next.sequence(), next.lease(),
                    next.copyId(), next.copySource());
        });
    }

    private static long required(Long v) {
        if (v == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-sequence-number.");
        if (v < 0) throw StorageException.invalidHeader("x-ms-blob-sequence-number", String.valueOf(v));
        return v;
    }

    /** Streams a byte range of a page blob: file bytes inside valid ranges, zeros elsewhere. */
    void write(BlobRow b, long start, long length, OutputStream out) throws IOException {
        long end = start + length - 1;
        byte[] zeros = new byte[64 * 1024];
        byte[] buf = new byte[256 * 1024];
        long pos = start;
        try (FileChannel ch = FileChannel.open(store.content().path(b.pageFile()), StandardOpenOption.READ)) {
            for (long[] v : PageRanges.within(b.pageRanges(), start, end)) {
                pos = zeros(out, zeros, pos, v[0]);
                long p = v[0];
                while (p <= v[1]) {
                    int n = (int) Math.min(buf.length, v[1] - p + 1);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        if (ch.read(bb, p + bb.position()) < 0) break;
                    }
                    out.write(buf, 0, n);
                    p += n;
                }
                pos = v[1] + 1;
            }
            zeros(out, zeros, pos, end + 1);
        }
    }

    private static long zeros(OutputStream out, byte[] zeros, long from, long to) throws IOException {
        long p = from;
        while (p < to) {
            int n = (int) Math.min(zeros.length, to - p);
            out.write(zeros, 0, n);
            p += n;
        }
        return Math.max(from, to);
    }

    /** Copies the valid ranges of a page blob's file into a new sparse file (snapshots and Copy Blob). */
    String copyPageFile(BlobRow source) {
        String id = store.content().createSparse(source.size());
        try (FileChannel in = FileChannel.open(store.content().path(source.pageFile()), StandardOpenOption.READ);
             FileChannel out = FileChannel.open(store.content().path(id), StandardOpenOption.WRITE)) {
            for (long[] v : source.pageRanges()) {
                long p = v[0];
                while (p <= v[1]) p += in.transferTo(p, v[1] - p + 1, out.position(p));
            }
            out.force(true);
            return id;
        } catch (IOException e) {
            store.content().release(id);
            throw new UncheckedIOException(e);
        }
    }
}
