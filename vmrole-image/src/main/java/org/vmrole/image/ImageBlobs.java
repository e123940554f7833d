package org.vmrole.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.BlobStorageException;
import org.vmrole.model.blob.BlockBlobClient;

/**
 * Where the repository keeps image bytes: block blobs in one storage account of the Blob service, reached over its REST
 * API, so that every controller replica serves every image. Stored images are {@code images/<hex>.qcow2} (the digest
 * is the name); their records (name, digest, sizes, contents) are {@code catalog/<subscription>/<name>.json}, created
 * only when absent, so a name is taken once across replicas; an upload in progress is the staging blob
 * {@code uploads/<id>}, whose blocks are the bytes received so far, named by their offset ({@link StagedBlocks}), and
 * whose metadata is the upload's session.
 */
public final class ImageBlobs {
    /** The platform's own account in its embedded storage service, which holds the images; no tenant may take the name. */
    public static final String PLATFORM_ACCOUNT = "vmroleimages";
    /** The suffix of the blob a commit writes its qcow2 to before it knows the digest. */
    private static final String TEMPORARY = ".qcow2";
    /** Bytes per Put Block: big enough that per-call costs vanish, small enough that a broken block costs little. */
    static final int BLOCK = 8 << 20;
    /** Put Block calls in flight per writer: each holds one block in memory. */
    private static final int IN_FLIGHT = 3;
    private static final byte[] ZEROS = new byte[StagedBlocks.PIECE];
    private static final byte[] ONE_BYTE = new byte[1];

    private final BlockBlobClient images;
    private final BlockBlobClient uploads;
    private final BlockBlobClient catalog;
    private final int blockSize;
    /**
     * Block buffers are reused: each is 8 MiB, which the G1 collector allocates as a humongous object, and a fresh one
     * per block made a 1 GiB upload spend seconds in garbage collection on a small heap.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger spares = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Put Blocks run on platform threads (kept 60 s when idle): each writes its 8 MiB block to a blocking socket, which
     * a virtual thread would do by parking on the JDK's poller every time the socket's buffer fills.
     */
    private final ExecutorService puts = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("image-put-block-", 0).factory());

    private byte[] buffer() {
        byte[] b = spare.poll();
        if (b == null) return new byte[blockSize];
        spares.decrementAndGet();
        return b;
    }

    /** Keeps a buffer for the next block, up to a few writers' worth. */
    private void release(byte[] b) {
        if (b.length == blockSize && spares.incrementAndGet() <= 2 * (IN_FLIGHT + 1)) spare.offer(b);
        else if (b.length == blockSize) spares.decrementAndGet();
    }

    private ImageBlobs(BlockBlobClient images, BlockBlobClient uploads, BlockBlobClient catalog, int blockSize) {
        this.blockSize = blockSize;
        this.images = images;
        this.uploads = uploads;
        this.catalog = catalog;
    }

    /**
     * The image blobs of the account at {@code accountUrl} (path-style, {@code http://host:10000/<account>}), signed with
     * its key. Creates the two containers when they are missing.
     */
    public static ImageBlobs connect(URI accountUrl, BlobCredential.SharedKey key) {
        String base = accountUrl.toString().replaceAll("/+$", "");
        BlockBlobClient images = BlockBlobClient.of(URI.create(base + "/images/probe"), key);
        ImageBlobs b = new ImageBlobs(images, images.sibling("probe").inContainer("uploads"), images.sibling("probe").inContainer("catalog"), BLOCK);
        b.images.createContainer();
        b.uploads.createContainer();
        b.catalog.createContainer();
        return b;
    }

    /** The same blobs, staged in blocks of {@code bytes} (tests: many blocks from a small image). */
    ImageBlobs withBlockSize(int bytes) {
        return new ImageBlobs(images, uploads, catalog, bytes);
    }

    /** Where images are kept, for log lines and errors (no credential). */
    public URI location() {
        String s = images.url().toString();
        return URI.create(s.substring(0, s.lastIndexOf("/images/")));
    }

    // ---- stored images ----

    private BlockBlobClient image(String digest) {
        return images.sibling(Sha256.hex(Sha256.parse(digest)) + ".qcow2");
    }

    /**
     * Stores a finished qcow2 as the blob of its digest (read from the file in blocks, several in flight); returns when
     * the Blob service has committed it, so the image is durable before anyone is told it is stored.
     */
    void store(String digest, Path qcow2) throws IOException {
        BlockBlobClient blob = image(digest);
        if (blob.exists()) return;
        Writer w = new Writer(blob, false);
        try (InputStream in = java.nio.file.Files.newInputStream(qcow2)) {
            byte[] buf = new byte[Sha256.BUFFER];
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) w.write(buf, 0, n);
        }
        w.commit(StagedBlocks.NONE, Map.of(), false);
    }

    /**
     * Stores a finished qcow2 reading it once: it is hashed while its blocks go to a temporary blob beside the uploads,
     * which becomes the blob of its digest by a server-side copy (the service shares the blocks, no bytes move) once
     * the digest is known. Returns the digest; the image is committed, so durable, when this returns.
     */
    String storeHashed(Path qcow2, String uploadId) throws IOException {
        return storeWritten(uploadId, sink -> {
            try (InputStream in = java.nio.file.Files.newInputStream(qcow2)) {
                byte[] buf = new byte[Sha256.BUFFER];
                int n;
                while ((n = in.readNBytes(buf, 0, buf.length)) > 0) sink.accept(buf, 0, n);
            }
        });
    }

    /**
     * Stores a raw upload's qcow2 as the blob of {@code digest} by assembling it in the Blob service from the staging
     * blob's data blocks (which the caller checked are its clusters, {@link ComposedQcow2#assembledBy}) and three small new
     * blocks: its head, the padding of its last cluster, its tail. The staging blob is copied to a temporary blob (the
     * service shares the blocks), which gets the image's block list and is then copied into place, so the upload stays
     * whole until the image is stored. False, storing nothing, when blocks are pending (not in the copy) or the assembled
     * blob does not have the image's size.
     */
    boolean storeAssembled(String uploadId, StagedBlocks staged, ComposedQcow2 image, long pad, String digest) {
        if (staged.pending()) return false;
        BlockBlobClient target = image(digest);
        if (target.exists()) return true;
        BlockBlobClient temp = uploads.sibling(uploadId + TEMPORARY);
        try {
            temp.copyFrom(staging(uploadId).url());
            List<String> ids = new ArrayList<>();
            ids.add(putPart(temp, 'h', image.head()));
            for (StagedBlocks.Block b : staged.blocks()) if (!b.zeros()) ids.add(b.id());
            if (pad > 0) ids.add(putPart(temp, 'p', new byte[Math.toIntExact(pad)]));
            ids.add(putPart(temp, 't', image.tail()));
            temp.putBlockList(ids, Map.of(), null);
            // a defence: blocks that are not what their names say give another size, and the image is then sent instead
            if (temp.properties().size() != image.size()) return false;
            target.copyFrom(temp.url());
        } finally {
            temp.delete();
        }
        return true;
    }

    private static String putPart(BlockBlobClient blob, char kind, byte[] bytes) {
        String id = StagedBlocks.part(kind, bytes.length).id();
        blob.putBlock(id, bytes, 0, bytes.length);
        return id;
    }

    /**
     * Stores an image whose bytes a writer produces, hashing them as they go to a temporary blob that then becomes the
     * blob of their digest (as {@link #storeHashed}). Answers the digest.
     */
    String storeWritten(String uploadId, ImageWriting image) throws IOException {
        BlockBlobClient temp = uploads.sibling(uploadId + TEMPORARY);
        Writer w = new Writer(temp, false);
        java.security.MessageDigest md = Sha256.newDigest();
        image.writeTo((buf, off, len) -> {
            md.update(buf, off, len);
            w.write(buf, off, len);
        });
        w.commit(StagedBlocks.NONE, Map.of(), false);
        String digest = Sha256.format(md.digest());
        try {
            BlockBlobClient target = image(digest);
            if (!target.exists()) target.copyFrom(temp.url());
        } finally {
            temp.delete();
        }
        return digest;
    }

    /** Something that writes an image's bytes in order. */
    @FunctionalInterface
    interface ImageWriting {
        void writeTo(ComposedQcow2.Sink sink) throws IOException;
    }

    boolean has(String digest) {
        return image(digest).exists();
    }

    /** The stored qcow2 of a digest, streamed from the Blob service. */
    InputStream open(String digest) {
        try {
            return image(digest).open(0);
        } catch (BlobStorageException e) {
            if (e.status() == 404) throw new NoSuchImageException("no image with digest " + digest + " is stored");
            throw e;
        }
    }

    void delete(String digest) {
        image(digest).delete();
    }

    /** The digests of every stored image blob, with when each was written. */
    Map<String, Instant> stored() {
        Map<String, Instant> out = new java.util.HashMap<>();
        for (BlockBlobClient.Listed l : images.list("")) {
            if (l.name().endsWith(".qcow2")) out.put("sha256:" + l.name().substring(0, l.name().length() - 6), l.lastModified());
        }
        return out;
    }

    // ---- the catalog: one record per image name ----

    private BlockBlobClient record(String subscription, String name) {
        return catalog.sibling(subscription + "/" + name + ".json");
    }

    /** Writes a new image record; false when the name is taken (by this server or another). */
    boolean createRecord(String subscription, String name, byte[] json) {
        try {
            record(subscription, name).put(json, Map.of(), true);
            return true;
        } catch (BlobStorageException e) {
            if (e.status() == 409) return false;
            throw e;
        }
    }

    Optional<byte[]> readRecord(String subscription, String name) {
        return record(subscription, name).read();
    }

    boolean deleteRecord(String subscription, String name) {
        return record(subscription, name).delete();
    }

    /** The names of a subscription's records (every subscription's when null), as {@code subscription/name}. */
    List<String> recordNames(String subscription) {
        List<String> out = new ArrayList<>();
        for (BlockBlobClient.Listed l : catalog.list(subscription == null ? "" : subscription + "/")) {
            if (l.name().endsWith(".json")) out.add(l.name().substring(0, l.name().length() - 5));
        }
        return out;
    }

    // ---- uploads in progress ----

    private BlockBlobClient staging(String uploadId) {
        return uploads.sibling(uploadId);
    }

    /** Creates the (empty) staging blob of a new upload, carrying its session; fails if one exists. */
    void startStaging(String uploadId, Map<String, String> session) {
        staging(uploadId).put(new byte[0], session, true);
    }

    /** The session of an upload as its staging blob carries it; empty when there is no such upload. */
    Optional<Map<String, String>> session(String uploadId) {
        try {
            return Optional.of(staging(uploadId).properties().metadata());
        } catch (BlobStorageException e) {
            if (e.status() == 404) return Optional.empty();
            throw e;
        }
    }

    /** What of an upload the Blob service holds; empty when the upload does not exist (committed, aborted or expired). */
    Optional<StagedBlocks> staged(String uploadId) {
        return staging(uploadId).blockList().map(StagedBlocks::of);
    }

    /**
     * The upload's staged bytes from {@code offset} to what {@code staged} holds (blocks still pending are committed
     * first, so they can be read): a data block's bytes by a ranged Get Blob when the stream reaches it, a zero block's
     * as zeros.
     */
    InputStream openStaged(String uploadId, StagedBlocks staged, long offset, Map<String, String> session) {
        BlockBlobClient blob = staging(uploadId);
        if (staged.pending()) blob.putBlockList(staged.blockIds(), session, staged.etag().isEmpty() ? null : staged.etag());
        // runs of zeros, and of stored bytes that follow each other in the blob, each read as one part
        record Part(boolean present, long blobAt, long length) {}
        List<Part> runs = new ArrayList<>();
        long stored = 0;
        for (StagedBlocks.Block b : staged.blocks()) {
            long at = stored;
            for (int i = 0; i < b.pieces(); i++) {
                long start = b.pieceStart(i);
                long end = b.pieceEnd(i);
                boolean present = b.present(i);
                long from = Math.max(start, offset);
                if (from < end) {
                    long blobAt = at + (from - start);
                    Part last = runs.isEmpty() ? null : runs.getLast();
                    if (last != null && last.present() == present && (!present || last.blobAt() + last.length() == blobAt)) {
                        runs.set(runs.size() - 1, new Part(present, last.blobAt(), last.length() + end - from));
                    } else {
                        runs.add(new Part(present, blobAt, end - from));
                    }
                }
                if (present) at += end - start;
            }
            stored += b.stored();
        }
        List<java.util.function.Supplier<InputStream>> parts = new ArrayList<>();
        for (Part p : runs) parts.add(p.present() ? () -> blob.open(p.blobAt(), p.length()) : () -> new ZeroStream(p.length()));
        var next = parts.iterator();
        return new java.io.SequenceInputStream(new java.util.Enumeration<InputStream>() {
            @Override
            public boolean hasMoreElements() {
                return next.hasNext();
            }

            @Override
            public InputStream nextElement() {
                return next.next().get();
            }
        });
    }

    /**
     * A writer that stages an upload's next bytes, starting where {@code staged} ends. {@code zeroRuns}: all-zero MiBs go
     * as zero blocks (a raw disk's empty parts); without it the staging blob holds the bytes as they are, so it can
     * become the image itself ({@link #storeStaged}).
     */
    Writer stager(String uploadId, StagedBlocks staged, boolean zeroRuns) {
        return new Writer(staging(uploadId), zeroRuns).after(staged);
    }

    /**
     * Stores an upload's staged bytes, as they are, as the image blob of {@code digest} (the caller checked that they are
     * a qcow2 to keep unchanged and that {@code digest} is their SHA-256): a server-side copy of the staging blob, so no
     * byte is sent again. False, storing nothing, when the staging blob does not hold exactly {@code size} bytes as they
     * are (a zero block stands for zeros, or blocks are pending).
     */
    boolean storeStaged(String uploadId, StagedBlocks staged, long size, String digest) {
        if (staged.pending() || staged.received() != size || staged.blocks().stream().anyMatch(StagedBlocks.Block::zeros)) return false;
        BlockBlobClient source = staging(uploadId);
        if (source.properties().size() != size) return false;
        BlockBlobClient target = image(digest);
        if (!target.exists()) target.copyFrom(source.url());
        return true;
    }

    /** {@code length} zero bytes. */
    private static final class ZeroStream extends InputStream {
        private long left;

        ZeroStream(long length) {
            this.left = length;
        }

        @Override
        public int read() {
            if (left <= 0) return -1;
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) return -1;
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }

    void deleteStaging(String uploadId) {
        staging(uploadId).delete();
    }

    /** The uploads the Blob service holds, with their last change (temporary qcow2 blobs count as their upload's activity). */
    Map<String, Instant> stagedUploads() {
        Map<String, Instant> out = new java.util.HashMap<>();
        for (BlockBlobClient.Listed l : uploads.list("")) {
            if (!l.name().endsWith(TEMPORARY)) out.put(l.name(), l.lastModified());
        }
        return out;
    }

    /** Temporary qcow2 blobs a crash during a commit left behind, with their last change. */
    Map<String, Instant> leftoverTemporaries() {
        Map<String, Instant> out = new java.util.HashMap<>();
        for (BlockBlobClient.Listed l : uploads.list("")) {
            if (l.name().endsWith(TEMPORARY)) out.put(l.name(), l.lastModified());
        }
        return out;
    }

    void deleteTemporary(String name) {
        uploads.sibling(name).delete();
    }

    /**
     * Stages bytes as blocks of one blob: buffers a block, sends it with Put Block while the next fills (at most
     * {@link #IN_FLIGHT} buffers in flight), and at {@link #commit} makes the blob the blocks before plus these. A stager
     * leaves out of each block the all-zero clusters of its buffer ({@link StagedBlocks#without}; a buffer of zeros
     * alone goes as a zero block, one byte standing for it), and its buffers end at multiples of the block size in the
     * upload, so a block spans at most {@link StagedBlocks#MAX_PIECES} clusters.
     */
    final class Writer {
        private final BlockBlobClient blob;
        private final boolean zeroRuns;
        private final Semaphore slots = new Semaphore(IN_FLIGHT);
        private final List<Future<?>> sent = new ArrayList<>();
        private final List<StagedBlocks.Block> inFlight = new ArrayList<>();
        private byte[] block = buffer();
        /** Where the current buffer ends: the block size, or less for a stager's first buffer when it starts mid-block. */
        private int limit = block.length;
        private int filled;
        private long start;
        private long written;
        private volatile BlobStorageException failed;
        /** Nanoseconds the writer waited for a Put Block to finish before it could send the next: the Blob service's lag. */
        private long waited;

        private Writer(BlockBlobClient blob, boolean zeroRuns) {
            this.blob = blob;
            this.zeroRuns = zeroRuns;
            if (zeroRuns && (blockSize % StagedBlocks.PIECE != 0 || blockSize / StagedBlocks.PIECE > StagedBlocks.MAX_PIECES)) {
                throw new IllegalStateException("a stager's block size must be a multiple of " + StagedBlocks.PIECE + " up to "
                        + StagedBlocks.MAX_PIECES + " of them, not " + blockSize);
            }
        }

        /** Where the first byte written goes: the end of what {@code staged} holds. */
        Writer after(StagedBlocks staged) {
            this.start = staged.received();
            if (zeroRuns) limit = (int) (block.length - start % block.length);
            return this;
        }

        void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (failed != null) throw new IOException("the Blob service refused a block of the upload: " + failed.getMessage(), failed);
                int n = Math.min(len, limit - filled);
                System.arraycopy(b, off, block, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == limit) send();
            }
        }

        /**
         * The buffer's block: for a stager, its all-zero clusters are left out and the other pieces moved to the front of
         * the buffer, in order, which is what the block then holds.
         */
        private StagedBlocks.Block pack(byte[] buf, int length, long at) {
            StagedBlocks.Block whole = StagedBlocks.data(at, length);
            if (!zeroRuns) return whole;
            java.util.BitSet absent = new java.util.BitSet();
            for (int i = 0; i < whole.pieces(); i++) {
                int from = (int) (whole.pieceStart(i) - at);
                int n = (int) (whole.pieceEnd(i) - whole.pieceStart(i));
                if (n == StagedBlocks.PIECE && java.util.Arrays.mismatch(buf, from, from + n, ZEROS, 0, n) == -1) absent.set(i);
            }
            StagedBlocks.Block b = StagedBlocks.without(at, length, absent);
            if (b.zeros() || absent.isEmpty()) return b;
            int to = 0;
            for (int i = 0; i < b.pieces(); i++) {
                if (!b.present(i)) continue;
                int from = (int) (b.pieceStart(i) - at);
                int n = (int) (b.pieceEnd(i) - b.pieceStart(i));
                System.arraycopy(buf, from, buf, to, n);
                to += n;
            }
            return b;
        }

        private void send() throws IOException {
            if (filled == 0) return;
            byte[] full = block;
            long at = start + written;
            StagedBlocks.Block b = pack(full, filled, at);
            try {
                long t = System.nanoTime();
                slots.acquire();
                waited += System.nanoTime() - t;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while staging a block");
            }
            inFlight.add(b);
            written += filled;
            sent.add(puts.submit(() -> {
                try {
                    if (b.zeros()) blob.putBlock(b.id(), ONE_BYTE, 0, 1);
                    else blob.putBlock(b.id(), full, 0, (int) b.stored());
                } catch (BlobStorageException e) {
                    failed = e;
                    throw e;
                } finally {
                    release(full);
                    slots.release();
                }
                return null;
            }));
            block = buffer();
            limit = block.length;
            filled = 0;
        }

        /** Milliseconds spent waiting for the Blob service to take a block before the next could go. */
        long waitedMillis() {
            return waited / 1_000_000;
        }

        /**
         * Sends what is buffered, waits for every block, and commits the blob as {@code before} plus the blocks that
         * arrived without a gap (all of them, unless one failed: then the buffers' blocks before it). {@code onlyOver}
         * makes the commit conditional on the blob being as {@code before} saw it. Returns what is staged now.
         */
        StagedBlocks commit(StagedBlocks before, Map<String, String> metadata, boolean onlyOver) throws IOException {
            BlobStorageException first = null;
            try {
                send();
            } catch (IOException e) {
                // the blocks sent before are still committed below
            }
            List<StagedBlocks.Block> done = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get();
                    if (first == null) done.add(inFlight.get(i));
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) first = e.getCause() instanceof BlobStorageException b ? b : new BlobStorageException(0, "PutBlockFailed", String.valueOf(e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while staging blocks");
                }
            }
            release(block);
            block = new byte[0];
            StagedBlocks after = before.plus(done);
            if (!done.isEmpty() || before.pending()) {
                String etag = blob.putBlockList(after.blockIds(), metadata, onlyOver && !before.etag().isEmpty() ? before.etag() : null);
                after = new StagedBlocks(after.blocks(), after.received(), false, etag);
            }
            if (first != null) throw new IOException("the Blob service refused a block (" + first.getMessage() + "); "
                    + after.received() + " bytes are staged", first);
            return after;
        }
    }
}
