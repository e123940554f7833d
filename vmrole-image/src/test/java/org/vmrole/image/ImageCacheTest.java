package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCacheTest {
    @TempDir Path tmp;
    BlobService storage;
    ImageRepository repo;
    ImageRecord image;
    AtomicInteger fetches = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        storage = new BlobService(tmp.resolve("storage"));
        repo = new ImageRepository(tmp.resolve("repo"), ImageLimits.defaults(), QemuImg.fromPath(ImageLimits.defaults()), ImageUsage.none(), Clock.systemUTC(),
                storage.blobs());
        Path raw = Images.raw(tmp, "disk.raw", 2, 7);
        String id = repo.startUpload("contoso", "web");
        try (InputStream in = Files.newInputStream(raw)) {
            repo.append(id, 0, in);
        }
        image = repo.commit(id, Sha256.ofFile(raw));
    }

    @AfterEach
    void stopStorage() {
        storage.close();
    }

    private ImageSource counting(ImageSource s) {
        return d -> {
            fetches.incrementAndGet();
            return s.open(d);
        };
    }

    @Test
    void fetches_an_image_once_and_serves_it_from_the_cache_after() throws IOException {
        ImageCache cache = new ImageCache(tmp.resolve("cache"), counting(repo::openBlob));
        Path first = cache.get(image.digest());
        Path again = cache.get(image.digest());
        assertThat(again).isEqualTo(first);
        assertThat(fetches).hasValue(1);
        assertThat(Sha256.ofFile(first)).isEqualTo(image.digest());
    }

    @Test
    void two_instances_that_need_one_image_at_once_share_one_fetch() throws Exception {
        ImageCache cache = new ImageCache(tmp.resolve("cache"), counting(repo::openBlob));
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            var a = pool.submit(() -> cache.get(image.digest()));
            var b = pool.submit(() -> cache.get(image.digest()));
            assertThat(a.get()).isEqualTo(b.get());
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void a_tampered_cache_file_is_caught_before_first_use_and_fetched_again() throws IOException {
        Path file = new ImageCache(tmp.resolve("cache"), repo::openBlob).get(image.digest());
        Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.WRITE);

        ImageCache afterRestart = new ImageCache(tmp.resolve("cache"), counting(repo::openBlob));
        Path served = afterRestart.get(image.digest());
        assertThat(fetches).hasValue(1);
        assertThat(Sha256.ofFile(served)).isEqualTo(image.digest());
    }

    @Test
    void refuses_bytes_that_do_not_match_the_digest_and_keeps_nothing() throws IOException {
        ImageCache cache = new ImageCache(tmp.resolve("cache"), d -> new ByteArrayInputStream("not the image".getBytes()));
        assertThatThrownBy(() -> cache.get(image.digest())).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("fetched for the cache has digest sha256:");
        try (Stream<Path> left = Files.list(tmp.resolve("cache"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void an_unknown_digest_is_a_clear_error() throws IOException {
        ImageCache cache = new ImageCache(tmp.resolve("cache"), repo::openBlob);
        String unknown = "sha256:" + "a".repeat(64);
        assertThatThrownBy(() -> cache.get(unknown)).isInstanceOf(NoSuchImageException.class).hasMessageContaining(unknown);
        assertThatThrownBy(() -> cache.get("latest")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a SHA-256 digest");
    }
}
