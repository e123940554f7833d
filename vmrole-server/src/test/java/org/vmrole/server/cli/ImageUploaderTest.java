package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.server.EmbeddedPlatform;

class ImageUploaderTest {
    @TempDir Path dir;
    EmbeddedPlatform platform;
    ApiClient tenant;
    String tenantKey;

    @BeforeEach
    void start() throws Exception {
        System.setProperty("vmrole.config.dir", dir.resolve("config").toString());
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 0));
        ApiClient admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        admin.post("/subscriptions", Map.of("id", "contoso"));
        tenantKey = admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText();
        tenant = new ApiClient(platform.apiUrl(), tenantKey);
    }

    @AfterEach
    void stop() {
        platform.close();
        System.clearProperty("vmrole.config.dir");
    }

    @Test
    void an_interrupted_upload_resumes_where_the_server_is_and_commits_with_the_whole_files_digest() throws Exception {
        Path image = dir.resolve("image.qcow2");
        assertThat(new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M").start().waitFor()).isZero();
        byte[] bytes = Files.readAllBytes(image);
        // an earlier run sent the first half, then stopped: the server holds it and the resume file remembers the upload
        String uploadId = tenant.post("/images/uploads", Map.of("name", "resumed")).get("uploadId").asText();
        int half = bytes.length / 2;
        assertThat(tenant.putBytes("/images/uploads/" + uploadId + "?offset=0", bytes, half).path("received").asLong()).isEqualTo(half);
        Path path = image.toAbsolutePath();
        Path resume = LoginFile.location().getParent().resolve("uploads")
                .resolve(ImageUploader.resumeKey(path, bytes.length, Files.getLastModifiedTime(path).toMillis(), "resumed") + ".json");
        Files.createDirectories(resume.getParent());
        new ObjectMapper().writeValue(resume.toFile(), new ImageUploader.Resume(tenant.base(), uploadId, path.toString(), bytes.length,
                Files.getLastModifiedTime(path).toMillis()));

        StringWriter progress = new StringWriter();
        var stored = new ImageUploader(tenant, new PrintWriter(progress, true)).upload(image, "resumed", null);

        assertThat(progress.toString()).contains("resuming upload " + uploadId);
        assertThat(stored.get("name").asText()).isEqualTo("resumed");
        assertThat(stored.get("actualSize").asLong()).isPositive();
        assertThat(Files.exists(resume)).as("the resume file is gone once the image is stored").isFalse();
    }

    @Test
    void a_transfer_cut_off_midway_keeps_what_arrived_and_the_next_run_sends_only_the_rest() throws Exception {
        Path image = dir.resolve("cut.qcow2");
        assertThat(new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M").start().waitFor()).isZero();
        byte[] bytes = Files.readAllBytes(image);
        String uploadId = tenant.post("/images/uploads", Map.of("name", "cut")).get("uploadId").asText();
        Path path = image.toAbsolutePath();
        Path resume = LoginFile.location().getParent().resolve("uploads")
                .resolve(ImageUploader.resumeKey(path, bytes.length, Files.getLastModifiedTime(path).toMillis(), "cut") + ".json");
        Files.createDirectories(resume.getParent());
        new ObjectMapper().writeValue(resume.toFile(), new ImageUploader.Resume(tenant.base(), uploadId, path.toString(), bytes.length,
                Files.getLastModifiedTime(path).toMillis()));
        // a client that announced the whole file in one request, sent a third of it and died
        int third = bytes.length / 3;
        URI api = URI.create(platform.apiUrl());
        try (Socket s = new Socket(api.getHost(), api.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("PUT /images/uploads/" + uploadId + "?offset=0 HTTP/1.1\r\nHost: " + api.getHost() + "\r\nAuthorization: Bearer " + tenantKey
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes, 0, third);
            out.flush();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> tenant.get("/images/uploads/" + uploadId).path("received").asLong() == third);

        StringWriter progress = new StringWriter();
        var stored = new ImageUploader(tenant, new PrintWriter(progress, true)).upload(image, "cut", null);

        assertThat(progress.toString()).contains("resuming upload " + uploadId + " at " + ProgressBar.bytes(third));
        assertThat(stored.get("uploadDigest").asText()).isEqualTo("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
}
