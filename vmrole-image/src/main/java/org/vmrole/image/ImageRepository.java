package org.vmrole.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes images in through resumable, verified uploads and keeps them as qcow2, content-addressed by SHA-256.
 *
 * <p>A raw disk (recognised by its first 64 KiB) is written straight to qcow2 as it arrives ({@link Qcow2Stream},
 * state in {@code stream.json}), so its commit has no conversion pass; other formats are kept as they arrive and
 * converted by qemu-img at commit.
 *
 * <p>Layout under the root: {@code uploads/<id>/data} + {@code session.json} for uploads in progress,
 * {@code blobs/<hex>.qcow2} for stored images, {@code images/<subscription>/<name>.json} for their metadata,
 * {@code work/} for conversions (one repository per root: the constructor empties {@code work/}). A blob is fsynced
 * and renamed (or, for a streamed upload, hard-linked) into place before its metadata is written atomically, so a
 * crash leaves at worst an unreferenced blob, which {@link #sweep()} removes.
 *
 * <p>An upload is: {@link #startUpload}, then {@link #append} chunks at the offset {@link #received} reports
 * (resumable: a client that lost its connection asks and continues), then {@link #commit} with the SHA-256 the
 * client computed. Commit refuses a digest mismatch, a foreign format, a backing or external data file, an
 * oversized or damaged image; any refusal deletes the upload, so nothing is kept.
 */
public final class ImageRepository {
    private static final Logger log = LoggerFactory.getLogger(ImageRepository.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SUBSCRIPTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f-]{36}");
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    private final Path uploads;
    private final Path blobs;
    private final Path images;
    private final Path work;
    private final ImageLimits limits;
    private final QemuImg qemu;
    private final ImageUsage usage;
    private final Clock clock;
    private final ReentrantLock catalog = new ReentrantLock();
    private final Map<String, Upload> open = new ConcurrentHashMap<>();
    private final ExecutorService cleanup =
            Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("upload-cleanup").unstarted(r));

    /** The stored description of an upload in progress. */
    record UploadSession(String id, String subscription, String name, Instant created) {}

    /** An upload's live state: its session, and the running digest of the bytes received so far in this process. */
    private static final class Upload {
        final UploadSession session;
        MessageDigest digest = Sha256.newDigest();
        long hashed;

        Upload(UploadSession session) {
            this.session = session;
        }
    }

    public ImageRepository(Path root, ImageLimits limits, QemuImg qemu, ImageUsage usage, Clock clock) throws IOException {
        this.uploads = Files.createDirectories(root.resolve("uploads"));
        this.blobs = Files.createDirectories(root.resolve("blobs"));
        this.images = Files.createDirectories(root.resolve("images"));
        this.work = Files.createDirectories(root.resolve("work"));
        this.limits = limits;
        this.qemu = qemu;
        this.usage = usage;
        this.clock = clock;
        DurableFiles.deleteTree(work);
        Files.createDirectories(work);
    }

    // ---- uploads ----

    /** Opens an upload session for a new image and returns its id. The name must not be taken in the subscription. */
    public String startUpload(String subscription, String name) throws IOException {
        checkNames(subscription, name);
        if (find(subscription, name).isPresent()) throw nameTaken(subscription, name);
        String id = UUID.randomUUID().toString();
        Path dir = Files.createDirectories(uploads.resolve(id));
        UploadSession s = new UploadSession(id, subscription, name, clock.instant());
        Files.createFile(dir.resolve("data"));
        DurableFiles.writeAtomically(dir.resolve("session.json"), JSON.writeValueAsBytes(s));
        open.put(id, new Upload(s));
        return id;
    }

    /** How many bytes of the upload have arrived (and are on disk): where the next chunk starts. */
    public long received(String uploadId) throws IOException {
        Upload u = upload(uploadId);
        synchronized (u) {
            Path data = dataOf(uploadId);
            Optional<StreamedUpload> streamed = StreamedUpload.read(data.getParent());
            return streamed.isPresent() ? streamed.get().received() : size(data);
        }
    }

    /**
     * Appends a chunk that starts at {@code offset}, streaming it to disk while hashing; returns the bytes received
     * in total. The chunk is fsynced before returning, so {@link #received} never counts bytes a crash could lose.
     */
    public long append(String uploadId, long offset, InputStream chunk) throws IOException {
        Upload u = upload(uploadId);
        synchronized (u) {
            Path data = dataOf(uploadId);
            Path dir = data.getParent();
            StreamedUpload streamed = StreamedUpload.read(dir).orElse(null);
            long have = streamed != null ? streamed.received() : size(data);
            if (offset != have) throw new UploadOffsetException(uploadId, offset, have);
            if (streamed != null && streamed.verified() != null) {
                throw new ImageRepositoryException("upload " + uploadId + " is being committed and takes no more bytes; commit it again to finish");
            }
            InputStream in = chunk;
            if (have == 0 && streamed == null) {
                // a raw disk is written straight to qcow2 as it arrives; other formats are converted at commit
                PeekedStream peeked = PeekedStream.of(chunk, HeaderInspection.HEAD_BYTES);
                in = peeked;
                if (StreamedUpload.suits(peeked)) {
                    streamed = StreamedUpload.start(Math.min(limits.maxVirtualBytes(), Long.MAX_VALUE - HeaderInspection.FOOTER_BYTES)
                            + HeaderInspection.FOOTER_BYTES);
                    streamed.write(dir);
                }
            }
            boolean hashing = u.hashed == have;
            long[] progress = {have};
            long limit = streamed == null ? limits.maxUploadBytes() : Math.min(limits.maxUploadBytes(), streamed.progress().capacity());
            boolean tooLarge;
            long t0 = System.nanoTime();
            long tReceived = t0;
            try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Qcow2Stream qcow2 = streamed == null ? null
                        : have == 0 ? Qcow2Stream.create(ch, streamed.progress()) : Qcow2Stream.resume(ch, streamed.progress());
                HashingWriter.Sink sink = qcow2 == null ? HashingWriter.sparseFile(ch) : (buf, n, at) -> qcow2.write(buf, 0, n);
                try {
                    tooLarge = HashingWriter.append(ch, sink, have, in, hashing ? u.digest : null, limit, progress).tooLarge();
                } finally {
                    // a broken connection keeps what arrived: durable, counted and hashed, so the client resumes from there
                    tReceived = System.nanoTime();
                    if (qcow2 == null) ch.force(false);
                    // after a failed write the previous checkpoint stays: resuming from it drops what followed
                    else if (!qcow2.broken()) StreamedUpload.of(qcow2.checkpoint()).write(dir);
                    if (hashing) u.hashed = progress[0];
                }
            }
            long tSynced = System.nanoTime();
            log.debug("upload {}: {} bytes at {} in {} ms (receive+write+hash {} ms, final fsync {} ms){}", uploadId, progress[0] - have, have,
                    (tSynced - t0) / 1_000_000, (tReceived - t0) / 1_000_000, (tSynced - tReceived) / 1_000_000, streamed == null ? "" : ", as qcow2");
            if (tooLarge) {
                discard(uploadId);
                throw new ImageRejectedException("upload " + uploadId + " refused: it exceeds the limit of " + limit
                        + " bytes; nothing was kept. Upload a smaller image (a sparse format such as qcow2 or dynamic VHD sends less)");
            }
            return progress[0];
        }
    }

    /** Abandons an upload and deletes what arrived. */
    public void abort(String uploadId) throws IOException {
        Upload u = upload(uploadId);
        synchronized (u) {
            discard(uploadId);
        }
    }

    /**
     * Verifies, inspects, converts and stores the upload. Returns the stored image.
     *
     * @param expectedSha256 the client's SHA-256 of everything it uploaded ({@code sha256:<hex>} or bare hex)
     * @throws ImageRejectedException when the upload is refused; the upload is then gone
     */
    public ImageRecord commit(String uploadId, String expectedSha256) throws IOException {
        Upload u = upload(uploadId);
        String expected;
        try {
            expected = Sha256.parse(expectedSha256);
        } catch (IllegalArgumentException e) {
            throw new ImageRepositoryException("upload " + uploadId + " not committed (it is kept; commit again with a valid digest): " + e.getMessage());
        }
        synchronized (u) {
            try {
                return store(u, expected);
            } catch (ImageRejectedException e) {
                discard(uploadId);
                log.info("refused upload {} ({}/{}): {}", uploadId, u.session.subscription(), u.session.name(), e.getMessage());
                throw e;
            }
        }
    }

    private ImageRecord store(Upload u, String expected) throws IOException {
        Path data = dataOf(u.session.id());
        Optional<StreamedUpload> streamed = StreamedUpload.read(data.getParent());
        return streamed.isPresent() ? storeStreamed(u, expected, data, streamed.get()) : storeConverted(u, expected, data);
    }

    /** An upload kept as it arrived: verify, inspect, then qemu-img converts it to qcow2. */
    private ImageRecord storeConverted(Upload u, String expected, Path data) throws IOException {
        UploadSession s = u.session;
        String image = s.name();
        long size = size(data);
        long t0 = System.nanoTime();
        String uploaded = u.hashed == size ? runningDigest(u) : Sha256.ofFile(data);
        checkDigest(image, size, uploaded, expected);
        HeaderInspection.Sniffed sniffed = HeaderInspection.inspect(data, image);
        ImageFormat format = sniffed.format();
        if (sniffed.declaredVirtualSize().isPresent()) checkVirtualSize(image, sniffed.declaredVirtualSize().getAsLong());
        QemuImg.Info info = inspect(data, format, image);
        if (format.checkable()) {
            QemuImg.Result check = qemu.check(data, format, limits.inspectTimeout());
            switch (check.exitCode()) {
                case 0, 3 -> { /* clean, or only leaked clusters, which conversion drops */ }
                case 2 -> throw damaged(image, "qemu-img check found corruptions: " + check.reason());
                default -> throw damaged(image, "qemu-img check could not complete: " + check.reason());
            }
        }
        Path converted = work.resolve(s.id() + ".qcow2");
        long tInspected = System.nanoTime();
        try {
            try {
                qemu.convertToQcow2(data, format, converted, limits.conversionTimeout());
            } catch (QemuImg.QemuImgException e) {
                throw new ImageRejectedException("image '" + image + "' refused: qemu-img could not convert it to qcow2 (" + e.getMessage()
                        + "). Check the image with qemu-img check, or convert it to qcow2 yourself and upload that");
            }
            return keep(s, converted, false, format, info.virtualSize(), uploaded, t0, tInspected);
        } finally {
            Files.deleteIfExists(converted);
        }
    }

    /**
     * An upload written straight to qcow2 as it arrived (a raw disk, or a fixed VHD: raw bytes and a footer): verify
     * the digest over the disk's bytes, then end the stream at the virtual size. No conversion pass. The verified
     * digest and size are stored before the file is finished, so a commit cut short by a crash can finish it again.
     */
    private ImageRecord storeStreamed(Upload u, String expected, Path data, StreamedUpload streamed) throws IOException {
        UploadSession s = u.session;
        String image = s.name();
        long size = streamed.received();
        long t0 = System.nanoTime();
        if (size == 0) throw new ImageRejectedException("image '" + image + "' refused: the upload is empty. Upload the disk image file");
        long tInspected = t0;
        if (streamed.verified() != null) checkDigest(image, size, streamed.verified(), expected);
        if (!streamed.finished()) {
            try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Qcow2Stream qcow2 = Qcow2Stream.resume(ch, streamed.progress());
                if (streamed.verified() == null) {
                    String uploaded;
                    if (u.hashed == size) {
                        uploaded = runningDigest(u);
                    } else {
                        MessageDigest md = Sha256.newDigest();
                        qcow2.digest(md, size);
                        uploaded = Sha256.format(md.digest());
                    }
                    checkDigest(image, size, uploaded, expected);
                    byte[] head = new byte[(int) Math.min(HeaderInspection.HEAD_BYTES, size)];
                    byte[] tail = new byte[(int) Math.min(HeaderInspection.FOOTER_BYTES, size)];
                    qcow2.read(0, head, 0, head.length);
                    qcow2.read(size - tail.length, tail, 0, tail.length);
                    ImageFormat format = HeaderInspection.inspect(head, tail, size, image).format();
                    long virtualSize = format == ImageFormat.VPC ? fixedVhdSize(s.id(), image, tail, size) : (size + 511) / 512 * 512;
                    checkVirtualSize(image, virtualSize);
                    streamed = streamed.verifiedAs(uploaded, format, virtualSize);
                    streamed.write(data.getParent());
                }
                tInspected = System.nanoTime();
                qcow2.finish(streamed.virtualSize());
            }
            streamed = streamed.asFinished();
            streamed.write(data.getParent());
        }
        // our own writer's output must satisfy qemu-img like any image
        QemuImg.Info info = qemu.info(data, ImageFormat.QCOW2, limits.inspectTimeout());
        QemuImg.Result check = qemu.check(data, ImageFormat.QCOW2, limits.inspectTimeout());
        if (check.exitCode() != 0 || info.virtualSize() != streamed.virtualSize()) {
            throw new ImageRepositoryException("upload " + s.id() + " could not be stored: the qcow2 written from it "
                    + (check.exitCode() != 0 ? "fails qemu-img check (" + check.reason() + ")"
                            : "has virtual size " + info.virtualSize() + " instead of " + streamed.virtualSize())
                    + "; the upload is kept. Report this as a vmrole bug");
        }
        return keep(s, data, true, streamed.format(), streamed.virtualSize(), streamed.verified(), t0, tInspected);
    }

    /**
     * The virtual size of a fixed VHD as qemu reads it (from the footer's size or geometry, by the tool that made
     * it): qemu-img inspects a sparse copy that holds only the footer, so the disk's bytes are not read again.
     */
    private long fixedVhdSize(String id, String image, byte[] footer, long size) throws IOException {
        Path probe = work.resolve(id + ".footer.vhd");
        try {
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                DurableFiles.writeAt(ch, ByteBuffer.wrap(footer), size - footer.length);
            }
            QemuImg.Info info = inspect(probe, ImageFormat.VPC, image);
            long virtualSize = info.virtualSize();
            if (virtualSize <= 0 || virtualSize % 512 != 0 || virtualSize > size - footer.length) {
                throw damaged(image, "its fixed VHD footer gives a virtual size of " + virtualSize + " bytes, but " + (size - footer.length)
                        + " bytes of disk precede it");
            }
            return virtualSize;
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /** qemu-img's view of an image, which must agree with the header inspection and name no other file. */
    private QemuImg.Info inspect(Path file, ImageFormat format, String image) throws IOException {
        QemuImg.Info info;
        try {
            info = qemu.info(file, format, limits.inspectTimeout());
        } catch (QemuImg.QemuImgException e) {
            throw new ImageRejectedException("image '" + image + "' refused: qemu-img cannot read it as " + format.displayName() + " (" + e.getMessage()
                    + "). The file is damaged or not a disk image; recreate it and upload again");
        }
        // defence in depth: qemu-img's view must agree with the header inspection
        if (!format.qemuName().equals(info.format())) {
            throw new ImageRejectedException("image '" + image + "' refused: qemu-img reads it as " + info.format() + ", not " + format.qemuName());
        }
        if (info.backingFile() != null) {
            throw new ImageRejectedException("image '" + image + "' refused: it names a backing file (" + info.backingFile()
                    + "). Upload a self-contained image: qemu-img convert -O qcow2 IN OUT");
        }
        if (info.dataFile() != null) {
            throw new ImageRejectedException("image '" + image + "' refused: it keeps its data in an external data file (" + info.dataFile()
                    + "). Upload a self-contained image: qemu-img convert -O qcow2 IN OUT");
        }
        if (info.corrupt()) throw damaged(image, "qemu-img marks it corrupt");
        checkVirtualSize(image, info.virtualSize());
        return info;
    }

    private static void checkDigest(String image, long size, String uploaded, String expected) {
        if (!uploaded.equals(expected)) {
            throw new ImageRejectedException("image '" + image + "' refused: the " + size + " bytes received have SHA-256 " + uploaded
                    + " but the client said " + expected + "; nothing was kept. Upload the file again");
        }
    }

    private static String runningDigest(Upload u) {
        return Sha256.format(((MessageDigest) cloneDigest(u.digest)).digest());
    }

    /**
     * Stores a finished qcow2: hashes it (while an fsync runs; a {@code streamed} one was fsynced when finished),
     * places it as the blob of its digest (moved; or, {@code streamed}, hard-linked, as it is still the upload's data,
     * so a crash before the metadata leaves the upload whole) and writes the image's metadata. Then the upload is
     * retired.
     */
    private ImageRecord keep(UploadSession s, Path qcow2, boolean streamed, ImageFormat format, long virtualSize, String uploaded,
                             long t0, long tInspected) throws IOException {
        String image = s.name();
        long tConverted = System.nanoTime();
        // a streamed upload's qcow2 was fsynced when it was finished
        var synced = streamed ? CompletableFuture.completedFuture(tConverted) : CompletableFuture.supplyAsync(() -> {
            try {
                DurableFiles.fsync(qcow2);
                return System.nanoTime();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().daemon().name("blob-fsync").start(r));
        String digest = Sha256.ofFile(qcow2);
        long tHashed = System.nanoTime();
        long tSynced;
        try {
            tSynced = synced.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof UncheckedIOException io ? io.getCause() : new IOException("fsync of the image to store failed", e.getCause());
        }
        long actual = size(qcow2);
        catalog.lock();
        try {
            if (find(s.subscription(), image).isPresent()) throw nameTaken(s.subscription(), image);
            Path blob = blobOf(digest);
            if (streamed) {
                if (!Files.exists(blob)) {
                    Files.createLink(blob, qcow2);
                    DurableFiles.syncDirectory(blobs);
                }
            } else if (Files.exists(blob)) {
                Files.delete(qcow2);
            } else {
                DurableFiles.moveAtomically(qcow2, blob);
            }
            ImageRecord rec = new ImageRecord(s.subscription(), image, format, virtualSize, actual, digest, uploaded, clock.instant());
            Path meta = metadataOf(s.subscription(), image);
            Files.createDirectories(meta.getParent());
            DurableFiles.writeAtomically(meta, JSON.writeValueAsBytes(rec));
            retire(s.id());
            long tDone = System.nanoTime();
            log.info("stored image {}/{} ({} {} bytes virtual) as {} in {} ms (verify+inspect {} ms, {} {} ms, digest+sync {} ms: digest {} ms, fsync {} ms)",
                    s.subscription(), image, format.displayName(), virtualSize, digest, (tDone - t0) / 1_000_000,
                    (tInspected - t0) / 1_000_000, streamed ? "finish+check" : "convert", (tConverted - tInspected) / 1_000_000,
                    (tDone - tConverted) / 1_000_000, (tHashed - tConverted) / 1_000_000, (tSynced - tConverted) / 1_000_000);
            return rec;
        } finally {
            catalog.unlock();
        }
    }

    private static Object cloneDigest(MessageDigest md) {
        try {
            return md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }

    private void checkVirtualSize(String image, long virtualSize) {
        if (virtualSize > limits.maxVirtualBytes()) {
            throw new ImageRejectedException("image '" + image + "' refused: its virtual size is " + virtualSize + " bytes, over the limit of "
                    + limits.maxVirtualBytes() + ". Shrink the disk (e.g. qemu-img resize --shrink) or ask the operator for a higher limit");
        }
        if (virtualSize <= 0) throw damaged(image, "it reports a virtual size of " + virtualSize + " bytes");
    }

    private static ImageRejectedException damaged(String image, String what) {
        return new ImageRejectedException("image '" + image + "' refused: it is damaged: " + what + ". Recreate the image and upload it again");
    }

    private static ImageRejectedException nameTaken(String subscription, String name) {
        return new ImageRejectedException("image '" + name + "' already exists in subscription '" + subscription
                + "'; images are immutable. Upload under a new name (e.g. " + name + "-v2) or delete the old image first");
    }

    // ---- images ----

    public Optional<ImageRecord> find(String subscription, String name) throws IOException {
        checkNames(subscription, name);
        Path meta = metadataOf(subscription, name);
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(meta), ImageRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The images of one subscription, by name. */
    public List<ImageRecord> list(String subscription) throws IOException {
        if (!SUBSCRIPTION.matcher(subscription).matches()) throw badSubscription(subscription);
        return records(images.resolve(subscription));
    }

    /** True when a blob with this digest is stored. */
    public boolean hasBlob(String digest) {
        return Files.exists(blobOf(Sha256.parse(digest)));
    }

    /** The stored qcow2 of a digest, for hosts to fetch (see {@link ImageCache}). */
    public InputStream openBlob(String digest) throws IOException {
        Path blob = blobOf(Sha256.parse(digest));
        try {
            return Files.newInputStream(blob);
        } catch (NoSuchFileException e) {
            throw new NoSuchImageException("no image with digest " + digest + " is stored");
        }
    }

    /**
     * Deletes an image unless a deployment uses it; the blob goes when no other image shares it.
     *
     * @throws ImageInUseException naming the deployments that use it
     */
    public void delete(String subscription, String name) throws IOException {
        catalog.lock();
        try {
            ImageRecord rec = find(subscription, name).orElseThrow(() ->
                    new NoSuchImageException("subscription '" + subscription + "' has no image '" + name + "'. List images to see the names"));
            List<String> users = usage.deploymentsUsing(subscription, rec.digest());
            if (!users.isEmpty()) throw new ImageInUseException(name, users);
            Path meta = metadataOf(subscription, name);
            Files.delete(meta);
            DurableFiles.syncDirectory(meta.getParent());
            if (!referencedDigests().contains(rec.digest())) Files.deleteIfExists(blobOf(rec.digest()));
            log.info("deleted image {}/{} ({})", subscription, name, rec.digest());
        } finally {
            catalog.unlock();
        }
    }

    // ---- cleaning up ----

    /**
     * Deletes uploads idle for longer than the limit and blobs no image references (left by a crash between
     * storing a blob and writing its metadata). Returns the upload ids it deleted.
     */
    public List<String> sweep() throws IOException {
        Map<String, Instant> activity = new HashMap<>();
        try (Stream<Path> s = Files.list(uploads)) {
            for (Path dir : s.toList()) {
                Path data = dir.resolve("data");
                Path stamp = Files.exists(data) ? data : dir;
                activity.put(dir.getFileName().toString(), Files.getLastModifiedTime(stamp).toInstant());
            }
        }
        List<String> expired = UploadExpiry.expired(activity, clock.instant(), limits.uploadIdleTimeout());
        for (String id : expired) {
            Upload u = open.get(id);
            if (u == null) discard(id);
            else synchronized (u) { discard(id); }
        }
        catalog.lock();
        try {
            Set<String> referenced = referencedDigests();
            try (Stream<Path> s = Files.list(blobs)) {
                for (Path b : s.toList()) {
                    String f = b.getFileName().toString();
                    if (f.endsWith(".qcow2") && !referenced.contains("sha256:" + f.substring(0, f.length() - 6))) {
                        Files.deleteIfExists(b);
                        log.info("removed unreferenced blob {}", f);
                    }
                }
            }
        } finally {
            catalog.unlock();
        }
        if (!expired.isEmpty()) log.info("removed {} idle upload(s): {}", expired.size(), expired);
        return expired;
    }

    /** Upload ids present on disk (in progress, not yet committed or swept). */
    public List<String> uploadsInProgress() throws IOException {
        try (Stream<Path> s = Files.list(uploads)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---- internals ----

    private Upload upload(String id) throws IOException {
        if (id == null || !UPLOAD_ID.matcher(id).matches()) throw new NoSuchImageException("'" + id + "' is not an upload id");
        Upload u = open.get(id);
        if (u != null) return u;
        Path session = uploads.resolve(id).resolve("session.json");
        if (!Files.exists(session)) throw new NoSuchImageException("upload " + id + " does not exist (it was committed, aborted or expired); start a new upload");
        // after a restart the running digest is gone: it is recomputed from the file at commit
        Upload fresh = new Upload(JSON.readValue(Files.readAllBytes(session), UploadSession.class));
        fresh.hashed = -1;
        Upload prior = open.putIfAbsent(id, fresh);
        return prior == null ? fresh : prior;
    }

    /**
     * Removes a committed upload. Deleting GiBs takes the kernel a third of a second or more, so the folder is
     * renamed into {@code work/} (emptied at start, so a crash cannot leave it behind) and deleted after commit answers.
     */
    private void retire(String id) throws IOException {
        open.remove(id);
        Path retired = work.resolve(id + ".committed");
        Files.move(uploads.resolve(id), retired, StandardCopyOption.ATOMIC_MOVE);
        cleanup.execute(() -> {
            try {
                DurableFiles.deleteTree(retired);
            } catch (IOException e) {
                log.warn("could not delete the committed upload {} ({}); it goes at the next start", retired, e.toString());
            }
        });
    }

    /** Waits until committed uploads are deleted from disk (they go in the background, after commit answers). */
    public void awaitCleanup() throws InterruptedException {
        try {
            cleanup.submit(() -> {}).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the upload cleanup failed", e.getCause());
        }
    }

    private void discard(String id) throws IOException {
        open.remove(id);
        DurableFiles.deleteTree(uploads.resolve(id));
        Files.deleteIfExists(work.resolve(id + ".qcow2"));
    }

    private Path dataOf(String id) throws NoSuchImageException {
        Path data = uploads.resolve(id).resolve("data");
        if (!Files.exists(data)) throw new NoSuchImageException("upload " + id + " does not exist (it was committed, aborted or expired); start a new upload");
        return data;
    }

    private Path blobOf(String digest) {
        return blobs.resolve(Sha256.hex(digest) + ".qcow2");
    }

    private Path metadataOf(String subscription, String name) {
        return images.resolve(subscription).resolve(name + ".json");
    }

    private Set<String> referencedDigests() throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path sub : s.filter(Files::isDirectory).toList()) {
                for (ImageRecord r : records(sub)) out.add(r.digest());
            }
        }
        return out;
    }

    private static List<ImageRecord> records(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<ImageRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                out.add(JSON.readValue(Files.readAllBytes(p), ImageRecord.class));
            }
        }
        return out;
    }

    private static long size(Path p) throws IOException {
        return Files.size(p);
    }

    private static void checkNames(String subscription, String name) {
        if (subscription == null || !SUBSCRIPTION.matcher(subscription).matches()) throw badSubscription(subscription);
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ImageRejectedException("image name '" + name + "' is not allowed; use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private static ImageRejectedException badSubscription(String subscription) {
        return new ImageRejectedException("subscription '" + subscription + "' is not a valid subscription id (letters, digits, '_' or '-', up to 64)");
    }
}
