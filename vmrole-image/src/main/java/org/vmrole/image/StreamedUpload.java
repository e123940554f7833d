package org.vmrole.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The stored state of an upload that is written straight to qcow2 by a {@link Qcow2Stream} (a raw disk): where
 * the stream stands after its last checkpoint and, once a commit has verified it, the digest the client gave and
 * the image's format and virtual size, so a commit cut short by a crash can finish without the raw bytes; and
 * whether the qcow2 is finished.
 * Kept as {@code stream.json} next to the upload's data; its presence is what marks an upload as streamed.
 */
record StreamedUpload(long received, long nextCluster, int l1Clusters, String verified, ImageFormat format, long virtualSize,
                      boolean finished) {
    private static final String FILE = "stream.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    static StreamedUpload start(long maxBytes) {
        return of(Qcow2Stream.Progress.start(maxBytes));
    }

    /** Where a stream stands after a checkpoint (not yet verified: only uploads still taking bytes checkpoint). */
    static StreamedUpload of(Qcow2Stream.Progress p) {
        return new StreamedUpload(p.received(), p.nextCluster(), p.l1Clusters(), null, null, 0, false);
    }

    Qcow2Stream.Progress progress() {
        return new Qcow2Stream.Progress(received, nextCluster, l1Clusters);
    }

    StreamedUpload verifiedAs(String digest, ImageFormat f, long size) {
        return new StreamedUpload(received, nextCluster, l1Clusters, digest, f, size, false);
    }

    /** The file is a finished qcow2 (and may already be hard-linked as a blob): it must not be written again. */
    StreamedUpload asFinished() {
        return new StreamedUpload(received, nextCluster, l1Clusters, verified, format, virtualSize, true);
    }

    /**
     * True when an upload starting with these bytes can be streamed: a raw disk by {@link HeaderInspection}. A
     * fixed VHD, which is raw bytes and a footer at the end, is found at commit. Anything else, or too short a
     * start to tell, is stored as it arrives and converted at commit.
     */
    static boolean suits(PeekedStream start) {
        if (start.failed() || start.length() < HeaderInspection.HEAD_BYTES) return false;
        try {
            return HeaderInspection.inspect(start.head(), new byte[0], start.length(), "upload").format() == ImageFormat.RAW;
        } catch (ImageRejectedException e) {
            return false;
        }
    }

    static Optional<StreamedUpload> read(Path uploadDir) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(uploadDir.resolve(FILE)), StreamedUpload.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    void write(Path uploadDir) throws IOException {
        DurableFiles.writeAtomically(uploadDir.resolve(FILE), JSON.writeValueAsBytes(this));
    }
}
