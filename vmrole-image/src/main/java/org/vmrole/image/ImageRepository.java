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
import org.vmrole.image.contents.ImageContents;
import org.vmrole.image.contents.ImageInspector;

/**
 * Takes images in through resumable, verified uploads and keeps them as qcow2, content-addressed by SHA-256.
 *
 * <p>A raw disk (recognised by its first 64 KiB) is written straight to qcow2 as it arrives ({@link Qcow2Stream},
 * state in {@code stream.json}), so its commit has no conversion pass; other formats are kept as they arrive and
 * converted by qemu-img at commit.
 *
 * <p>What lasts is in the Blob service ({@link ImageBlobs}): image blobs, their records, and each upload's staged
 * bytes, so any server over the same account serves every image and resumes every upload. Under the root are only
 * working files: {@code uploads/<id>/data} + {@code session.json} (this process's working copy of an upload, rebuilt
 * from the staged bytes when missing or older than the process) and {@code work/} for conversions (one repository per
 * root: the constructor empties {@code work/}). An image blob is committed before its record is created, so a crash
 * leaves at worst an unreferenced blob, which {@link #sweep()} removes.
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
    private final ImageBlobs blobs;
    private final Path work;
    private final ImageLimits limits;
    private final QemuImg qemu;
    private final ImageUsage usage;
    private final Clock clock;
    private final ReentrantLock catalog = new ReentrantLock();
    private final Map<String, Upload> open = new ConcurrentHashMap<>();
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ExecutorService cleanup =
            Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("upload-cleanup").unstarted(r));

    /** The stored description of an upload in progress (on this server's disk, and as its staging blob's metadata). */
    record UploadSession(String id, String subscription, String name, Instant created) {
        Map<String, String> metadata() {
            return Map.of("subscription", subscription, "name", name, "created", created.toString());
        }

        static UploadSession of(String id, Map<String, String> metadata) {
            String sub = metadata.get("subscription");
            String name = metadata.get("name");
            String created = metadata.get("created");
            if (sub == null || name == null || created == null) {
                throw new ImageRepositoryException("upload " + id + " has a staging blob without its session (" + metadata.keySet() + "); start a new upload");
            }
            return new UploadSession(id, sub, name, Instant.parse(created));
        }
    }

    /** An upload's live state: its session, and the running digest of the bytes received so far in this process. */
    private static final class Upload {
        final UploadSession session;
        MessageDigest digest = Sha256.newDigest();
        long hashed;

        Upload(UploadSession session) {
            this.session = session;
        }
    }

    /**
     * A repository whose working files are under {@code root} and whose image bytes are in {@code blobs}. Images an
     * earlier version kept under {@code root/blobs/} are moved into the Blob service here, and uploads it left in
     * progress are staged there, so an upgrade loses neither.
     */
    public ImageRepository(Path root, ImageLimits limits, QemuImg qemu, ImageUsage usage, Clock clock, ImageBlobs blobs) throws IOException {
        this.uploads = Files.createDirectories(root.resolve("uploads"));
        this.blobs = blobs;
        this.work = Files.createDirectories(root.resolve("work"));
        this.limits = limits;
        this.qemu = qemu;
        this.usage = usage;
        this.clock = clock;
        DurableFiles.deleteTree(work);
        Files.createDirectories(work);
        LocalImages.migrate(root, blobs, this::stageLocalUpload);
    }

    // ---- uploads ----

    /** Opens an upload session for a new image and returns its id. The name must not be taken in the subscription. */
    public String startUpload(String subscription, String name) throws IOException {
        checkNames(subscription, name);
        if (find(subscription, name).isPresent()) throw nameTaken(subscription, name);
        String id = UUID.randomUUID().toString();
        UploadSession s = new UploadSession(id, subscription, name, clock.instant());
        blobs.startStaging(id, s.metadata());
        open.put(id, new Upload(createLocal(s)));
        return id;
    }

    /**
     * Stages an upload an earlier version left in progress on this disk (it has no staging blob yet): the bytes it
     * received, read back from its data file (a raw disk's from the qcow2 it is being written to), so its client
     * resumes where it was. One whose commit had begun is left to the idle sweep, and its client starts anew.
     */
    private void stageLocalUpload(Path dir) throws IOException {
        String id = dir.getFileName().toString();
        Path session = dir.resolve("session.json");
        if (!UPLOAD_ID.matcher(id).matches() || !Files.exists(session) || blobs.staged(id).isPresent()) return;
        UploadSession s = JSON.readValue(Files.readAllBytes(session), UploadSession.class);
        Optional<StreamedUpload> streamed = StreamedUpload.read(dir);
        if (streamed.isPresent() && streamed.get().verified() != null) {
            log.warn("upload {} from an earlier version was being committed: it is not moved to the Blob service and goes at the next sweep", id);
            return;
        }
        long have = localReceived(id);
        blobs.startStaging(id, s.metadata());
        ImageBlobs.Writer w = blobs.stager(id, StagedBlocks.NONE, true);
        byte[] buf = new byte[Sha256.BUFFER];
        try (FileChannel ch = FileChannel.open(dir.resolve("data"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Qcow2Stream qcow2 = streamed.isPresent() ? Qcow2Stream.resume(ch, streamed.get().progress()) : null;
            for (long at = 0; at < have; ) {
                int n = (int) Math.min(buf.length, have - at);
                if (qcow2 != null) qcow2.read(at, buf, 0, n);
                else DurableFiles.readAt(ch, ByteBuffer.wrap(buf, 0, n), at);
                w.write(buf, 0, n);
                at += n;
            }
        }
        w.commit(StagedBlocks.NONE, s.metadata(), false);
        log.info("upload {} ({}/{}) from an earlier version: its {} bytes are staged in the Blob service", id, s.subscription(), s.name(), have);
    }

    /** The working copy of an upload on this server: an empty data file and the session. */
    private UploadSession createLocal(UploadSession s) throws IOException {
        Path dir = Files.createDirectories(uploads.resolve(s.id()));
        Files.deleteIfExists(dir.resolve("data"));
        Files.deleteIfExists(dir.resolve("stream.json"));
        Files.createFile(dir.resolve("data"));
        DurableFiles.writeAtomically(dir.resolve("session.json"), JSON.writeValueAsBytes(s));
        return s;
    }

    /** How many bytes of the upload have arrived and are durable in the Blob service: where the next chunk starts. */
    public long received(String uploadId) throws IOException {
        upload(uploadId);
        return staged(uploadId).received();
    }

    /** How many bytes this server's working copy of the upload holds. */
    private long localReceived(String uploadId) throws IOException {
        Path data = dataOf(uploadId);
        Optional<StreamedUpload> streamed = StreamedUpload.read(data.getParent());
        return streamed.isPresent() ? streamed.get().received() : size(data);
    }

    /** What of the upload the Blob service holds; an upload it no longer holds (committed, aborted, expired elsewhere) is gone here too. */
    private StagedBlocks staged(String uploadId) throws IOException {
        Optional<StagedBlocks> staged = blobs.staged(uploadId);
        if (staged.isPresent()) return staged.get();
        Upload u = open.get(uploadId);
        if (u == null) discard(uploadId);
        else synchronized (u) { discard(uploadId); }
        throw new NoSuchImageException("upload " + uploadId + " does not exist (it was committed, aborted or expired); start a new upload");
    }

    /**
     * Brings this server's working copy up to what the Blob service holds (another replica, or this one before a
     * crash, may have received more), reading the missing bytes back from the staging blob; a working copy that holds
     * more than was staged (a crash between writing it and staging) is started again. Answers what is staged.
     */
    private StagedBlocks catchUp(Upload u, StagedBlocks staged) throws IOException {
        String id = u.session.id();
        long have = localReceived(id);
        if (have == staged.received()) return staged;
        if (have > staged.received()) {
            log.info("upload {}: this server's copy holds {} bytes but {} are staged; taking them from the Blob service again", id, have, staged.received());
            createLocal(u.session);
            u.digest = Sha256.newDigest();
            u.hashed = 0;
            have = 0;
        }
        log.info("upload {}: reading bytes {}-{} back from the Blob service", id, have, staged.received());
        try (InputStream in = blobs.openStaged(id, staged, have, u.session.metadata())) {
            writeLocal(u, have, in, () -> { });
        }
        long now = localReceived(id);
        StagedBlocks fresh = staged(id);
        if (now != fresh.received()) {
            throw new ImageRepositoryException("upload " + id + ": " + now + " bytes read back from the Blob service, but " + fresh.received()
                    + " are staged (another server is writing this upload?); send the rest again from 'received'");
        }
        return fresh;
    }

    /**
     * Appends a chunk that starts at {@code offset}: stages it in the Blob service as blocks while it is written to this
     * server's working copy and hashed; returns the bytes received in total. It returns once the blocks are committed
     * to the upload's staging blob, so {@link #received} never counts bytes a crash of this server (or of the whole
     * machine) could lose. When the body breaks off, what arrived is staged and kept.
     */
    public long append(String uploadId, long offset, InputStream chunk) throws IOException {
        Upload u = upload(uploadId);
        synchronized (u) {
            StagedBlocks staged = catchUp(u, staged(uploadId));
            if (offset != staged.received()) throw new UploadOffsetException(uploadId, offset, staged.received());
            // a raw disk's all-zero MiBs are staged as zero blocks; anything else as it is, so a qcow2 kept unchanged can be
            // stored by a server-side copy of its staging blob (see storeConverted)
            Path dir = dataOf(uploadId).getParent();
            InputStream body = chunk;
            boolean raw;
            if (staged.received() == 0 && StreamedUpload.read(dir).isEmpty()) {
                PeekedStream peeked = PeekedStream.of(chunk, HeaderInspection.HEAD_BYTES);
                body = peeked;
                raw = StreamedUpload.suits(peeked);
            } else {
                raw = StreamedUpload.read(dir).isPresent();
            }
            ImageBlobs.Writer stager = blobs.stager(uploadId, staged, raw);
            StagedBlocks[] after = {staged};
            IOException[] refused = {null};
            InputStream tee = new StagingStream(body, stager);
            writeLocal(u, offset, tee, () -> {
                try {
                    after[0] = stager.commit(staged, u.session.metadata(), true);
                } catch (IOException | RuntimeException e) {
                    refused[0] = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                }
            });
            if (refused[0] != null) throw new ImageStorageException("upload " + uploadId + ": the Blob service did not keep the bytes ("
                    + refused[0].getMessage() + "); ask for 'received' and send the rest from there", refused[0]);
            return after[0].received();
        }
    }

    /**
     * Writes bytes at {@code have} into this server's working copy (a raw disk straight to qcow2, anything else as it
     * arrives), hashing them when the running digest has seen everything before; {@code staged} runs before the
     * working copy's checkpoint, so that copy never claims more than the Blob service holds. Returns the bytes it holds.
     */
    private long writeLocal(Upload u, long have, InputStream chunk, Runnable staged) throws IOException {
        String uploadId = u.session.id();
        Path data = dataOf(uploadId);
        Path dir = data.getParent();
        StreamedUpload streamed = StreamedUpload.read(dir).orElse(null);
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
            // the working copy is not fsynced: the Blob service holds the upload, and a restarted server starts its copy anew
            Qcow2Stream qcow2 = streamed == null ? null
                    : (have == 0 ? Qcow2Stream.create(ch, streamed.progress()) : Qcow2Stream.resume(ch, streamed.progress())).withoutFsync();
            HashingWriter.Sink sink = qcow2 == null ? HashingWriter.sparseFile(ch) : (buf, n, at) -> qcow2.write(buf, 0, n);
            try {
                tooLarge = HashingWriter.append(ch, sink, have, in, hashing ? u.digest : null, limit, progress, false).tooLarge();
            } finally {
                // a broken connection keeps what arrived: staged, counted and hashed, so the client resumes from there
                tReceived = System.nanoTime();
                staged.run();
                // after a failed write the previous checkpoint stays: resuming from it drops what followed
                if (qcow2 != null && !qcow2.broken()) StreamedUpload.of(qcow2.checkpoint()).write(dir);
                if (hashing) u.hashed = progress[0];
            }
        }
        long tSynced = System.nanoTime();
        log.debug("upload {}: {} bytes at {} in {} ms (receive+write+hash+stage {} ms, commit of the staged blocks and checkpoint {} ms){}", uploadId, progress[0] - have, have,
                (tSynced - t0) / 1_000_000, (tReceived - t0) / 1_000_000, (tSynced - tReceived) / 1_000_000, streamed == null ? "" : ", as qcow2");
        if (tooLarge) {
            discard(uploadId);
            throw new ImageRejectedException("upload " + uploadId + " refused: it exceeds the limit of " + limit
                    + " bytes; nothing was kept. Upload a smaller image (a sparse format such as qcow2 or dynamic VHD sends less)");
        }
        return progress[0];
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
                catchUp(u, staged(uploadId));
                ImageRecord stored = store(u, expected);
                changed();
                return stored;
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
        boolean clean = false;
        if (format.checkable()) {
            QemuImg.Result check = qemu.check(data, format, limits.inspectTimeout());
            clean = check.exitCode() == 0;
            switch (check.exitCode()) {
                case 0, 3 -> { /* clean, or only leaked clusters, which conversion drops */ }
                case 2 -> throw damaged(image, "qemu-img check found corruptions: " + check.reason());
                default -> throw damaged(image, "qemu-img check could not complete: " + check.reason());
            }
        }
        long tInspected = System.nanoTime();
        if (format == ImageFormat.QCOW2 && clean && HeaderInspection.plainQcow2(data)) {
            // a clean, self-contained qcow2 is kept as it was uploaded: its staging blob already holds it, so storing it is a
            // server-side copy (no conversion, no byte sent again), and its digest is the one the client gave
            StagedBlocks staged = staged(s.id());
            if (staged.received() == size) {
                return keep(s, data, "kept as uploaded", format, info.virtualSize(), uploaded, t0, tInspected,
                        () -> blobs.storeStaged(s.id(), staged, size, uploaded) ? uploaded : blobs.storeHashed(data, s.id()));
            }
        }
        Path converted = work.resolve(s.id() + ".qcow2");
        try {
            try {
                qemu.convertToQcow2(data, format, converted, limits.conversionTimeout());
            } catch (QemuImg.QemuImgException e) {
                throw new ImageRejectedException("image '" + image + "' refused: qemu-img could not convert it to qcow2 (" + e.getMessage()
                        + "). Check the image with qemu-img check, or convert it to qcow2 yourself and upload that");
            }
            return keep(s, converted, "convert", format, info.virtualSize(), uploaded, t0, tInspected, () -> blobs.storeHashed(converted, s.id()));
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
        return keep(s, data, "finish+check", streamed.format(), streamed.virtualSize(), streamed.verified(), t0, tInspected,
                () -> blobs.storeHashed(data, s.id()));
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

    /** How a commit puts its qcow2 into the Blob service; answers the qcow2's digest once it is stored there. */
    @FunctionalInterface
    private interface Storing {
        String store() throws IOException;
    }

    /**
     * Stores a finished qcow2: hashes it, stores it in the Blob service as the blob of its digest (committed there, so
     * durable, before anything else) and writes the image's metadata. Then the upload is retired (its working copy
     * and its staging blob deleted). A crash before the metadata leaves the upload whole and at worst an unreferenced
     * image blob, which {@link #sweep()} removes.
     */
    private ImageRecord keep(UploadSession s, Path qcow2, String prepared, ImageFormat format, long virtualSize, String uploaded,
                             long t0, long tInspected, Storing storing) throws IOException {
        String image = s.name();
        long tConverted = System.nanoTime();
        if (find(s.subscription(), image).isPresent()) throw nameTaken(s.subscription(), image);
        // inspection reads the qcow2 while it is hashed and stored in the same pass
        var inspected = CompletableFuture.supplyAsync(() -> contentsOf(qcow2, image), r -> Thread.ofPlatform().daemon().name("image-inspect").start(r));
        String digest = storing.store();
        long tStored = System.nanoTime();
        long actual = size(qcow2);
        ImageContents contents = inspected.join();
        long tHashed = System.nanoTime();
        catalog.lock();
        try {
            // a delete of another name for the same content may have removed the blob meanwhile: store it again then
            if (!blobs.has(digest)) blobs.store(digest, qcow2);
            long tSynced = tStored;
            ImageRecord rec = new ImageRecord(s.subscription(), image, format, virtualSize, actual, digest, uploaded, clock.instant(), contents);
            // created only if absent: another server may have taken the name since this one looked
            if (!blobs.createRecord(s.subscription(), image, JSON.writeValueAsBytes(rec))) throw nameTaken(s.subscription(), image);
            retire(s.id());
            long tDone = System.nanoTime();
            log.info("stored image {}/{} ({} {} bytes virtual) as {} in {} ms (verify+inspect {} ms, {} {} ms, digest+store {} ms: hash+store {} ms, inspection waited for until {} ms)",
                    s.subscription(), image, format.displayName(), virtualSize, digest, (tDone - t0) / 1_000_000,
                    (tInspected - t0) / 1_000_000, prepared, (tConverted - tInspected) / 1_000_000,
                    (tDone - tConverted) / 1_000_000, (tSynced - tConverted) / 1_000_000, (tHashed - tConverted) / 1_000_000);
            return rec;
        } finally {
            catalog.unlock();
        }
    }

    /** What the stored image holds, read from a raw copy beside it (the upload is never failed for what it holds). */
    private static ImageContents contentsOf(Path qcow2, String image) {
        Path work = null;
        try {
            work = Files.createTempDirectory(qcow2.toAbsolutePath().getParent(), ".inspect-");
            ImageContents c = ImageInspector.inspect(qcow2, work);
            log.info("image {}: {}, agent {}{}", image, c.linux() ? c.os() : "not a readable Linux disk",
                    c.agent() == null ? "unknown" : c.agent().isEmpty() ? "none" : c.agent(), c.warnings().isEmpty() ? "" : ", warnings: " + c.warnings());
            return c;
        } catch (IOException e) {
            return ImageContents.unreadable("inspection failed: " + e.getMessage());
        } finally {
            try {
                if (work != null) DurableFiles.deleteTree(work);
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", work, e.getMessage());
            }
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

    private static ImageNameTakenException nameTaken(String subscription, String name) {
        return new ImageNameTakenException("image '" + name + "' already exists in subscription '" + subscription
                + "'; images are immutable. Upload under a new name (e.g. " + name + "-v2) or delete the old image first");
    }

    // ---- images ----

    public Optional<ImageRecord> find(String subscription, String name) throws IOException {
        checkNames(subscription, name);
        Optional<byte[]> json = blobs.readRecord(subscription, name);
        return json.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(json.get(), ImageRecord.class));
    }

    /** The images of one subscription, by name. */
    public List<ImageRecord> list(String subscription) throws IOException {
        if (!SUBSCRIPTION.matcher(subscription).matches()) throw badSubscription(subscription);
        return records(subscription);
    }

    /** True when a blob with this digest is stored. */
    public boolean hasBlob(String digest) {
        return blobs.has(digest);
    }

    /** The stored qcow2 of a digest, streamed from the Blob service, for hosts to fetch (see {@link ImageCache}). */
    public InputStream openBlob(String digest) throws IOException {
        return blobs.open(Sha256.parse(digest));
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
            blobs.deleteRecord(subscription, name);
            if (!referencedDigests().contains(rec.digest())) blobs.delete(rec.digest());
            log.info("deleted image {}/{} ({})", subscription, name, rec.digest());
        } finally {
            catalog.unlock();
        }
        changed();
    }

    /** Every subscription's images. */
    public List<ImageRecord> all() throws IOException {
        return records(null);
    }

    /** Runs {@code listener} after each image this repository stores or deletes (it must not block: it runs on the caller's thread). */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    private void changed() {
        for (Runnable l : changeListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.warn("an image change listener failed", e);
            }
        }
    }

    // ---- cleaning up ----

    /**
     * Deletes uploads idle for longer than the limit and blobs no image references (left by a crash between
     * storing a blob and writing its metadata). Returns the upload ids it deleted.
     */
    public List<String> sweep() throws IOException {
        // an upload's last activity is its staging blob's last Put Block List (every append ends with one)
        Map<String, Instant> activity = blobs.stagedUploads();
        List<String> expired = UploadExpiry.expired(activity, clock.instant(), limits.uploadIdleTimeout());
        // a commit killed between storing its qcow2 and copying it into place leaves a temporary blob
        for (String temp : UploadExpiry.expired(blobs.leftoverTemporaries(), clock.instant(), limits.uploadIdleTimeout())) blobs.deleteTemporary(temp);
        for (String id : expired) {
            Upload u = open.get(id);
            if (u == null) discard(id);
            else synchronized (u) { discard(id); }
        }
        // a working copy whose staging blob is gone (committed, aborted or expired through another server) goes too;
        // asked again one by one, as an upload may have started since the listing
        try (Stream<Path> s = Files.list(uploads)) {
            for (Path dir : s.toList()) {
                String id = dir.getFileName().toString();
                if (activity.containsKey(id) || blobs.staged(id).isPresent()) continue;
                Upload u = open.get(id);
                if (u == null) discard(id);
                else synchronized (u) { discard(id); }
            }
        }
        catalog.lock();
        try {
            Set<String> referenced = referencedDigests();
            // an image blob is stored before its metadata is written: one younger than the idle limit may be a commit in flight
            Instant settled = clock.instant().minus(limits.uploadIdleTimeout());
            blobs.stored().forEach((digest, written) -> {
                if (!referenced.contains(digest) && written.isBefore(settled)) {
                    blobs.delete(digest);
                    log.info("removed unreferenced image blob {}", digest);
                }
            });
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
        // a working copy from before this process started is not trusted (it is not fsynced): the copy starts anew and
        // takes the upload's bytes back from the Blob service, which holds every byte acknowledged
        synchronized (open) {
            u = open.get(id);
            if (u != null) return u;
            Map<String, String> meta = blobs.session(id).orElseThrow(() ->
                    new NoSuchImageException("upload " + id + " does not exist (it was committed, aborted or expired); start a new upload"));
            Upload fresh = new Upload(createLocal(UploadSession.of(id, meta)));
            fresh.hashed = 0;
            open.put(id, fresh);
            return fresh;
        }
    }

    /**
     * Removes a committed upload. Deleting GiBs takes the kernel a third of a second or more, so the folder is
     * renamed into {@code work/} (emptied at start, so a crash cannot leave it behind) and deleted after commit answers.
     */
    private void retire(String id) throws IOException {
        open.remove(id);
        blobs.deleteStaging(id);
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
        blobs.deleteStaging(id);
        DurableFiles.deleteTree(uploads.resolve(id));
        Files.deleteIfExists(work.resolve(id + ".qcow2"));
    }

    private Path dataOf(String id) throws NoSuchImageException {
        Path data = uploads.resolve(id).resolve("data");
        if (!Files.exists(data)) throw new NoSuchImageException("upload " + id + " does not exist (it was committed, aborted or expired); start a new upload");
        return data;
    }

    private Set<String> referencedDigests() throws IOException {
        Set<String> out = new HashSet<>();
        for (ImageRecord r : records(null)) out.add(r.digest());
        return out;
    }

    /** The records of a subscription's images (every subscription's when null), by name; one vanishing meanwhile is left out. */
    private List<ImageRecord> records(String subscription) throws IOException {
        List<ImageRecord> out = new ArrayList<>();
        for (String path : blobs.recordNames(subscription).stream().sorted().toList()) {
            int slash = path.indexOf('/');
            Optional<byte[]> json = blobs.readRecord(path.substring(0, slash), path.substring(slash + 1));
            if (json.isPresent()) out.add(JSON.readValue(json.get(), ImageRecord.class));
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
