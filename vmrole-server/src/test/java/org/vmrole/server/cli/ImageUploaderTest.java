package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @BeforeEach
    void start() throws Exception {
        System.setProperty("vmrole.config.dir", dir.resolve("config").toString());
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 0));
        ApiClient admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        admin.post("/subscriptions", Map.of("id", "contoso"));
        tenant = new ApiClient(platform.apiUrl(), admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText());
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
}
