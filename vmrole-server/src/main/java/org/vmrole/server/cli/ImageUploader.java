package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * Uploads an image file through the API in one pass: the file streams from the offset the server reports in one
 * request and is hashed as it is sent; dropped connections are survived, the upload is remembered so running the
 * same command again resumes it, and the commit carries the SHA-256. Progress goes to {@code progress}.
 */
public final class ImageUploader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RETRIES = 5;

    private final ApiClient client;
    private final PrintWriter progress;

    public ImageUploader(ApiClient client, PrintWriter progress) {
        this.client = client;
        this.progress = progress;
    }

    /** Where an interrupted upload is remembered: the server, the upload, and the file it was of. */
    record Resume(String url, String uploadId, String file, long size, long modified) {}

    /** Uploads {@code file} as {@code name}; answers the stored image as the API describes it. */
    public JsonNode upload(Path file, String name, String subscription) {
        if (!Files.isRegularFile(file)) throw new CliFailure(2, file + " is not a file");
        String q = subscription == null ? "" : "?subscription=" + subscription;
        try {
            Path path = file.toAbsolutePath();
            long size = Files.size(path);
            long modified = Files.getLastModifiedTime(path).toMillis();
            Path resumeFile = LoginFile.location().getParent().resolve("uploads").resolve(resumeKey(path, size, modified, name) + ".json");
            String uploadId = resumable(resumeFile, path, size, modified);
            if (uploadId == null) {
                uploadId = client.post("/images/uploads" + q, Map.of("name", name)).get("uploadId").asText();
                Files.createDirectories(resumeFile.getParent());
                JSON.writeValue(resumeFile.toFile(), new Resume(client.base(), uploadId, path.toString(), size, modified));
            }
            String sha = send(path, uploadId, size);
            progress.println("verifying, converting and storing '" + name + "' on the server");
            JsonNode image = client.post("/images/uploads/" + uploadId + "/commit", Map.of("sha256", sha));
            Files.deleteIfExists(resumeFile);
            return image;
        } catch (IOException e) {
            throw new CliFailure(1, "cannot read " + file + ": " + e.getMessage());
        }
    }

    static String resumeKey(Path file, long size, long modified, String name) {
        byte[] id = newDigest().digest((file + "\n" + size + "\n" + modified).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(id, 0, 8) + "-" + name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The id of an earlier, unfinished upload of the same, unchanged file to the same server, if the server still has it. */
    private String resumable(Path resumeFile, Path file, long size, long modified) throws IOException {
        if (!Files.exists(resumeFile)) return null;
        Resume r = JSON.readValue(resumeFile.toFile(), Resume.class);
        if (!r.url().equals(client.base()) || !r.file().equals(file.toString()) || r.size() != size || r.modified() != modified) return null;
        try {
            long received = client.get("/images/uploads/" + r.uploadId()).path("received").asLong();
            progress.println("resuming upload " + r.uploadId() + " at " + ProgressBar.bytes(received));
            return r.uploadId();
        } catch (CliFailure gone) {
            return null;
        }
    }

    /**
     * Sends the rest of the file from where the server is in one streaming request, hashing it as it goes (the
     * server fsyncs as the bytes arrive and answers once they are all durable); answers the SHA-256 of the whole
     * file. A broken transfer resumes from what the server holds, at most {@link #RETRIES} times in a row.
     */
    private String send(Path file, String uploadId, long size) throws IOException {
        long offset = received(uploadId);
        MessageDigest md = hashed(file, offset);
        ProgressBar bar = new ProgressBar(progress, "uploading", size, offset);
        int failures = 0;
        while (offset < size) {
            HashingFileBody body = new HashingFileBody(file, offset, size, md, at -> {
                synchronized (bar) {
                    bar.update(at, false);
                }
            });
            long received;
            try {
                received = client.putStream("/images/uploads/" + uploadId + "?offset=" + offset, body, timeoutFor(size - offset)).path("received").asLong();
                failures = 0;
            } catch (CliFailure f) {
                body.finish();
                if (++failures > RETRIES) throw new CliFailure(1, f.getMessage() + "; run the same command again to resume");
                progress.println();
                progress.println("upload interrupted (" + f.getMessage() + "); resuming");
                // part of the body may have arrived: go on from exactly what the server holds, hashed from the file
                offset = received(uploadId);
                md = hashed(file, offset);
                continue;
            }
            MessageDigest whole = body.finish();
            if (received <= offset && ++failures > RETRIES) {
                throw new CliFailure(1, "the server kept no more of the upload than " + offset + " bytes; run the same command again to resume");
            }
            md = whole != null && received == size ? whole : hashed(file, received);
            offset = received;
        }
        synchronized (bar) {
            bar.finish(offset);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private long received(String uploadId) {
        return client.get("/images/uploads/" + uploadId).path("received").asLong();
    }

    /** Long enough for a slow link (1 MiB/s), short enough that a stalled server does not hang the CLI for ever. */
    private static Duration timeoutFor(long bytes) {
        return Duration.ofMinutes(5).plusSeconds(bytes >> 20);
    }

    /** The digest of the file's first {@code length} bytes. */
    private static MessageDigest hashed(Path file, long length) throws IOException {
        MessageDigest md = newDigest();
        ByteBuffer buf = ByteBuffer.allocate(HashingFileBody.BLOCK);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long at = 0; at < length; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), length - at));
                if (ch.read(buf, at) < 0) throw new IOException("the file shrank while it was being uploaded");
                buf.flip();
                at += buf.remaining();
                md.update(buf);
            }
        }
        return md;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
