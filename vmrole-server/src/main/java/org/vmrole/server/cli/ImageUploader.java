package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Uploads an image file through the API: hashes it, sends 8 MiB chunks at the offset the server reports,
 * survives dropped connections, remembers the upload so running the same command again resumes it, and
 * commits with the SHA-256. Progress goes to {@code progress}.
 */
public final class ImageUploader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 8 << 20;
    private static final int RETRIES = 5;

    private final ApiClient client;
    private final PrintWriter progress;

    public ImageUploader(ApiClient client, PrintWriter progress) {
        this.client = client;
        this.progress = progress;
    }

    /** Where an interrupted upload is remembered. */
    record Resume(String url, String uploadId, String sha256, long size) {}

    /** Uploads {@code file} as {@code name}; answers the stored image as the API describes it. */
    public JsonNode upload(Path file, String name, String subscription) {
        if (!Files.isRegularFile(file)) throw new CliFailure(2, file + " is not a file");
        String q = subscription == null ? "" : "?subscription=" + subscription;
        try {
            long size = Files.size(file);
            String sha = sha256(file, size);
            Path resumeFile = LoginFile.location().getParent().resolve("uploads")
                    .resolve(sha.substring(0, 16) + "-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
            String uploadId = resumable(resumeFile, sha, size);
            if (uploadId == null) {
                uploadId = client.post("/images/uploads" + q, Map.of("name", name)).get("uploadId").asText();
                Files.createDirectories(resumeFile.getParent());
                JSON.writeValue(resumeFile.toFile(), new Resume(client.base(), uploadId, sha, size));
            }
            send(file, uploadId, size);
            JsonNode image = client.post("/images/uploads/" + uploadId + "/commit", Map.of("sha256", sha));
            Files.deleteIfExists(resumeFile);
            return image;
        } catch (IOException e) {
            throw new CliFailure(1, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private String sha256(Path f, long size) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        ProgressBar bar = new ProgressBar(progress, "hashing  ", size, 0);
        byte[] buf = new byte[1 << 20];
        long done = 0;
        try (InputStream in = Files.newInputStream(f)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                done += n;
                bar.update(done, false);
            }
        }
        bar.finish(done);
        return HexFormat.of().formatHex(md.digest());
    }

    /** The id of an earlier, unfinished upload of the same file to the same server, if the server still has it. */
    private String resumable(Path resumeFile, String sha, long size) throws IOException {
        if (!Files.exists(resumeFile)) return null;
        Resume r = JSON.readValue(resumeFile.toFile(), Resume.class);
        if (!r.url().equals(client.base()) || !r.sha256().equals(sha) || r.size() != size) return null;
        try {
            long received = client.get("/images/uploads/" + r.uploadId()).path("received").asLong();
            progress.println("resuming upload " + r.uploadId() + " at " + ProgressBar.bytes(received));
            return r.uploadId();
        } catch (CliFailure gone) {
            return null;
        }
    }

    private void send(Path file, String uploadId, long size) throws IOException {
        long offset = client.get("/images/uploads/" + uploadId).path("received").asLong();
        ProgressBar bar = new ProgressBar(progress, "uploading", size, offset);
        byte[] chunk = new byte[CHUNK];
        int failures = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (offset < size) {
                int n = ch.read(ByteBuffer.wrap(chunk, 0, (int) Math.min(CHUNK, size - offset)), offset);
                try {
                    offset = client.putBytes("/images/uploads/" + uploadId + "?offset=" + offset, chunk, n).path("received").asLong();
                    failures = 0;
                } catch (CliFailure f) {
                    if (++failures > RETRIES) throw new CliFailure(1, f.getMessage() + "; run the same command again to resume");
                    progress.println();
                    progress.println("upload interrupted (" + f.getMessage() + "); resuming");
                    offset = client.get("/images/uploads/" + uploadId).path("received").asLong();
                }
                bar.update(offset, false);
            }
        }
        bar.finish(offset);
    }
}
