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
import java.util.HexFormat;
import java.util.Map;

/**
 * Uploads an image file through the API in one pass: each 16 MiB chunk is hashed as it is sent at the offset the
 * server reports; dropped connections are survived, the upload is remembered so running the same command again
 * resumes it, and the commit carries the SHA-256. Progress goes to {@code progress}.
 */
public final class ImageUploader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 16 << 20;
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

    /** Sends the file from where the server is, hashing as it goes; answers the SHA-256 of the whole file. */
    private String send(Path file, String uploadId, long size) throws IOException {
        long offset = client.get("/images/uploads/" + uploadId).path("received").asLong();
        MessageDigest md = newDigest();
        byte[] chunk = new byte[CHUNK];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            hash(ch, md, chunk, 0, offset);
            ProgressBar bar = new ProgressBar(progress, "uploading", size, offset);
            int failures = 0;
            while (offset < size) {
                int n = read(ch, chunk, offset, (int) Math.min(CHUNK, size - offset));
                try {
                    long received = client.putBytes("/images/uploads/" + uploadId + "?offset=" + offset, chunk, n).path("received").asLong();
                    md.update(chunk, 0, n);
                    offset = received;
                    failures = 0;
                } catch (CliFailure f) {
                    if (++failures > RETRIES) throw new CliFailure(1, f.getMessage() + "; run the same command again to resume");
                    progress.println();
                    progress.println("upload interrupted (" + f.getMessage() + "); resuming");
                    // part of the chunk may have arrived: hash exactly what the server now holds
                    long received = client.get("/images/uploads/" + uploadId).path("received").asLong();
                    hash(ch, md, chunk, offset, received);
                    offset = received;
                }
                bar.update(offset, false);
            }
            bar.finish(offset);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void hash(FileChannel ch, MessageDigest md, byte[] buf, long from, long to) throws IOException {
        for (long at = from; at < to; ) {
            int n = read(ch, buf, at, (int) Math.min(buf.length, to - at));
            md.update(buf, 0, n);
            at += n;
        }
    }

    private static int read(FileChannel ch, byte[] buf, long at, int length) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, length);
        while (bb.hasRemaining()) {
            if (ch.read(bb, at + bb.position()) < 0) throw new IOException("the file shrank while it was being uploaded");
        }
        return length;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
