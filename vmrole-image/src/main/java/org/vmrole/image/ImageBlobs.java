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

    private final BlockBlobClient images;
    private final BlockBlobClient uploads;
    private final BlockBlobClient catalog;
    private final int blockSize;
    private final ExecutorService puts = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("image-put-block-", 0).factory());

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
        Writer w = new Writer(blob);
        try (InputStream in = java.nio.file.Files.newInputStream(qcow2)) {
            byte[] buf = new byte[blockSize];
            int n;
            while ((n = in.readNBytes(buf, 0, blockSize)) > 0) w.write(buf, 0, n);
        }
        w.commit(StagedBlocks.NONE, Map.of(), false);
    }

    /**
     * Stores a finished qcow2 reading it once: it is hashed while its blocks go to a temporary blob beside the uploads,
     * which becomes the blob of its digest by a server-side copy (the service shares the blocks, no bytes move) once
     * the digest is known. Returns the digest; the image is committed, so durable, when this returns.
     */
    String storeHashed(Path qcow2, String uploadId) throws IOException {
        BlockBlobClient temp = uploads.sibling(uploadId + TEMPORARY);
        Writer w = new Writer(temp);
        java.security.MessageDigest md = Sha256.newDigest();
        try (InputStream in = java.nio.file.Files.newInputStream(qcow2)) {
            byte[] buf = new byte[Sha256.BUFFER];
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                md.update(buf, 0, n);
                w.write(buf, 0, n);
            }
        }
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

    /** The upload's staged bytes from {@code offset} on (blocks still pending are committed first, so they can be read). */
    InputStream openStaged(String uploadId, StagedBlocks staged, long offset, Map<String, String> session) {
        if (staged.pending()) staging(uploadId).putBlockList(staged.blockIds(), session, staged.etag().isEmpty() ? null : staged.etag());
        return staging(uploadId).open(offset);
    }

    /** A writer that stages an upload's next bytes, starting where {@code staged} ends. */
    Writer stager(String uploadId) {
        return new Writer(staging(uploadId));
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
     * {@link #IN_FLIGHT} in flight), and at {@link #commit} makes the blob the blocks before plus these.
     */
    final class Writer {
        private final BlockBlobClient blob;
        private final Semaphore slots = new Semaphore(IN_FLIGHT);
        private final List<Future<?>> sent = new ArrayList<>();
        private final List<String> ids = new ArrayList<>();
        private final List<Integer> lengths = new ArrayList<>();
        private byte[] block = new byte[blockSize];
        private int filled;
        private long start;
        private long written;
        private volatile BlobStorageException failed;

        private Writer(BlockBlobClient blob) {
            this.blob = blob;
        }

        /** Where the first byte written goes: the end of what is staged already. */
        Writer from(long offset) {
            this.start = offset;
            return this;
        }

        void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (failed != null) throw new IOException("the Blob service refused a block of the upload: " + failed.getMessage(), failed);
                int n = Math.min(len, block.length - filled);
                System.arraycopy(b, off, block, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == block.length) send();
            }
        }

        private void send() throws IOException {
            if (filled == 0) return;
            byte[] full = block;
            int length = filled;
            String id = StagedBlocks.idAt(start + written);
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while staging a block");
            }
            ids.add(id);
            lengths.add(length);
            written += length;
            sent.add(puts.submit(() -> {
                try {
                    blob.putBlock(id, full, 0, length);
                } catch (BlobStorageException e) {
                    failed = e;
                    throw e;
                } finally {
                    slots.release();
                }
                return null;
            }));
            block = new byte[blockSize];
            filled = 0;
        }

        /**
         * Sends what is buffered, waits for every block, and commits the blob as {@code before} plus the blocks that
         * arrived without a gap (all of them, unless one failed: then the ones before it). {@code onlyOver} makes the
         * commit conditional on the blob being as {@code before} saw it. Returns what is staged now.
         */
        StagedBlocks commit(StagedBlocks before, Map<String, String> metadata, boolean onlyOver) throws IOException {
            BlobStorageException first = null;
            try {
                send();
            } catch (IOException e) {
                // the blocks sent before are still committed below
            }
            List<String> done = new ArrayList<>();
            long bytes = 0;
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get();
                    if (first == null) {
                        done.add(ids.get(i));
                        bytes += lengths.get(i);
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) first = e.getCause() instanceof BlobStorageException b ? b : new BlobStorageException(0, "PutBlockFailed", String.valueOf(e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while staging blocks");
                }
            }
            StagedBlocks after = before.plus(done, bytes);
            if (!done.isEmpty() || before.pending()) {
                String etag = blob.putBlockList(after.blockIds(), metadata, onlyOver && !before.etag().isEmpty() ? before.etag() : null);
                after = new StagedBlocks(after.blockIds(), after.received(), false, etag);
            }
            if (first != null) throw new IOException("the Blob service refused a block (" + first.getMessage() + "); "
                    + after.received() + " bytes are staged", first);
            return after;
        }
    }
}
