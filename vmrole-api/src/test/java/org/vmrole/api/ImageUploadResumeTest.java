package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image upload over HTTP survives its server: the bytes it acknowledged are in the Blob service, and any server goes on from there. */
class ImageUploadResumeTest {
    @TempDir Path dir;
    ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void an_upload_half_sent_to_a_server_that_restarts_is_finished_on_the_new_one() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        byte[] disk = new byte[3 << 20];
        new Random(3).nextBytes(disk);
        String id = fx.client.call("POST", "/images/uploads", key, "{\"name\":\"web\"}").body().get("uploadId").asText();
        var first = fx.client.send("PUT", "/images/uploads/" + id + "?offset=0", key, HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(disk, 1 << 20)));
        assertThat(first.body().get("received").asLong()).isEqualTo(1 << 20);

        fx.restartAsAnotherServer(dir.resolve("another-server"));

        var asked = fx.client.call("GET", "/images/uploads/" + id, key, null);
        assertThat(asked.status()).isEqualTo(200);
        assertThat(asked.body().get("received").asLong()).isEqualTo(1 << 20);
        var rest = fx.client.send("PUT", "/images/uploads/" + id + "?offset=" + (1 << 20), key,
                HttpRequest.BodyPublishers.ofByteArray(disk, 1 << 20, disk.length - (1 << 20)));
        assertThat(rest.body().get("received").asLong()).isEqualTo(disk.length);
        var committed = fx.client.call("POST", "/images/uploads/" + id + "/commit", key, "{\"sha256\":\"" + Samples.sha256(disk) + "\"}");
        assertThat(committed.status()).isEqualTo(201);
        assertThat(fx.client.call("GET", "/images/web", key, null).body().get("digest").asText()).isEqualTo(committed.body().get("digest").asText());
    }

    @Test
    void a_wrong_offset_on_the_new_server_is_told_where_to_go_on() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        String id = fx.client.call("POST", "/images/uploads", key, "{\"name\":\"web\"}").body().get("uploadId").asText();
        fx.client.send("PUT", "/images/uploads/" + id + "?offset=0", key, HttpRequest.BodyPublishers.ofByteArray(new byte[70_000]));
        fx.restartAsAnotherServer(dir.resolve("another-server"));
        var wrong = fx.client.send("PUT", "/images/uploads/" + id + "?offset=0", key, HttpRequest.BodyPublishers.ofByteArray(new byte[10]));
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.errorCode()).isEqualTo("WrongOffset");
        assertThat(wrong.body().path("error").path("message").asText()).contains("70000");
    }
}
