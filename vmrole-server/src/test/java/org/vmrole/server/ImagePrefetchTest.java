package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/** Hosts hold an uploaded image before any deployment asks for it: told over the real host link, fetched from the real repository. */
class ImagePrefetchTest {
    @TempDir Path dir;
    EmbeddedPlatform platform;

    @AfterEach
    void stop() {
        if (platform != null) platform.close();
    }

    private Path smallImage(String name) throws Exception {
        Path img = dir.resolve(name + ".qcow2");
        assertThat(new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "8M").start().waitFor()).isZero();
        return img;
    }

    @Test
    void a_host_has_an_uploaded_image_in_its_cache_before_any_deployment_and_a_host_that_joins_later_too() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 1));
        ApiClient tenant = SampleTenant.admitted(new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow()));
        HostRuntime host = platform.hosts().getFirst();

        String digest = new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(smallImage("web"), "web-v1", null).path("digest").asText();

        await().atMost(Duration.ofSeconds(60)).until(() -> host.images().contains(digest));
        assertThat(platform.fabric().listDeployments()).as("no deployment asked for it").isEmpty();

        HostRuntime later = platform.startHost("host-late", 1, dir.resolve("late"), new HostCapacity(2, 2048, 20));
        await().atMost(Duration.ofSeconds(60)).until(() -> later.images().contains(digest));
    }
}
