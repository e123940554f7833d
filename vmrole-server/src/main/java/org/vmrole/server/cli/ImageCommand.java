package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole image upload|list|show|delete}. */
@Command(name = "image", description = "Upload and manage VM images (VHD, VHDX, qcow2 or raw).",
        subcommands = {ImageCommand.Upload.class, ImageCommand.List.class, ImageCommand.Show.class, ImageCommand.Delete.class})
public final class ImageCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "upload", description = "Upload an image: hashed, sent in chunks with a progress bar, resumed after an interruption.")
    static final class Upload extends ApiCommand {
        private static final int CHUNK = 8 << 20;

        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--name", required = true, description = "image name, e.g. contoso-web-v1") String name;
        @Option(names = "--subscription", description = "subscription to upload for (administrator only)") String subscription;

        /** Where an interrupted upload is remembered, so running the same command again resumes it. */
        record Resume(String url, String uploadId, String sha256, long size) {}

        @Override
        protected int run(ApiClient client) {
            if (!Files.isRegularFile(file)) throw new CliFailure(2, file + " is not a file");
            try {
                long size = Files.size(file);
                String sha = sha256(file, size);
                Path resumeFile = resumeFile(sha, name);
                String uploadId = resumable(client, resumeFile, sha, size);
                if (uploadId == null) {
                    JsonNode started = client.post("/images/uploads" + q(), Map.of("name", name));
                    uploadId = started.get("uploadId").asText();
                    Files.createDirectories(resumeFile.getParent());
                    JSON.writeValue(resumeFile.toFile(), new Resume(client.base(), uploadId, sha, size));
                }
                send(client, uploadId, size);
                JsonNode image = client.post("/images/uploads/" + uploadId + "/commit", Map.of("sha256", sha));
                Files.deleteIfExists(resumeFile);
                return show(image, () -> out().println("image " + text(image, "name") + " stored as " + text(image, "digest")
                        + " (" + text(image, "originalFormat") + " in, " + ProgressBar.bytes(image.path("virtualSize").asLong()) + " virtual)"));
            } catch (IOException e) {
                throw new CliFailure(1, "cannot read " + file + ": " + e.getMessage());
            }
        }

        private String q() {
            return subscription == null ? "" : "?subscription=" + subscription;
        }

        private String sha256(Path f, long size) throws IOException {
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            ProgressBar bar = new ProgressBar(err(), "hashing  ", size, 0);
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

        private static Path resumeFile(String sha, String name) {
            return LoginFile.location().getParent().resolve("uploads").resolve(sha.substring(0, 16) + "-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
        }

        /** The id of an earlier, unfinished upload of the same file to the same server, if the server still has it. */
        private String resumable(ApiClient client, Path resumeFile, String sha, long size) throws IOException {
            if (!Files.exists(resumeFile)) return null;
            Resume r = JSON.readValue(resumeFile.toFile(), Resume.class);
            if (!r.url().equals(client.base()) || !r.sha256().equals(sha) || r.size() != size) return null;
            try {
                long received = client.get("/images/uploads/" + r.uploadId()).path("received").asLong();
                err().println("resuming upload " + r.uploadId() + " at " + ProgressBar.bytes(received));
                return r.uploadId();
            } catch (CliFailure gone) {
                return null;
            }
        }

        private void send(ApiClient client, String uploadId, long size) throws IOException {
            long offset = client.get("/images/uploads/" + uploadId).path("received").asLong();
            ProgressBar bar = new ProgressBar(err(), "uploading", size, offset);
            byte[] chunk = new byte[CHUNK];
            int failures = 0;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                while (offset < size) {
                    int n = ch.read(ByteBuffer.wrap(chunk, 0, (int) Math.min(CHUNK, size - offset)), offset);
                    try {
                        offset = client.putBytes("/images/uploads/" + uploadId + "?offset=" + offset, chunk, n).path("received").asLong();
                        failures = 0;
                    } catch (CliFailure f) {
                        if (++failures > 5) throw new CliFailure(1, f.getMessage() + "; run the same command again to resume");
                        err().println();
                        err().println("upload interrupted (" + f.getMessage() + "); resuming");
                        offset = client.get("/images/uploads/" + uploadId).path("received").asLong();
                    }
                    bar.update(offset, false);
                }
            }
            bar.finish(offset);
        }
    }

    @Command(name = "list", description = "List images.")
    static final class List extends ApiCommand {
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var r = client.get("/images" + (subscription == null ? "" : "?subscription=" + subscription));
            return show(r, () -> {
                Table t = new Table("NAME", "FORMAT", "VIRTUAL", "STORED", "DIGEST", "CREATED");
                r.path("images").forEach(i -> t.row(text(i, "name"), text(i, "originalFormat"), ProgressBar.bytes(i.path("virtualSize").asLong()),
                        ProgressBar.bytes(i.path("actualSize").asLong()), text(i, "digest").substring(0, 19) + "…", text(i, "created")));
                t.print(out());
            });
        }
    }

    @Command(name = "show", description = "Show one image.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var i = client.get("/images/" + name + (subscription == null ? "" : "?subscription=" + subscription));
            return show(i, () -> i.fields().forEachRemaining(e -> out().println(e.getKey() + ": " + e.getValue().asText())));
        }
    }

    @Command(name = "delete", description = "Delete an image no deployment uses.")
    static final class Delete extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/images/" + name + (subscription == null ? "" : "?subscription=" + subscription));
            return show(r, () -> out().println("deleted image " + name));
        }
    }
}
