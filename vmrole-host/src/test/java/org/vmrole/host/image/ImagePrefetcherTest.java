package org.vmrole.host.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.image.ImageCache;
import org.vmrole.image.Sha256;
import org.vmrole.model.host.WantedImage;

class ImagePrefetcherTest {
    @TempDir Path dir;
    final AtomicInteger opens = new AtomicInteger();
    final PrefetchPolicy quickRetries = new PrefetchPolicy(2, 1L << 30, 0, Duration.ofMillis(100), Duration.ofMillis(200));

    private byte[] bytes() {
        byte[] b = new byte[1 << 20];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31);
        return b;
    }

    private String digestOf(byte[] b) throws IOException {
        Path f = Files.write(dir.resolve("image.bin"), b);
        return Sha256.ofFile(f);
    }

    @Test
    void a_boot_that_needs_an_image_being_prefetched_waits_for_that_fetch_instead_of_starting_another() throws Exception {
        byte[] image = bytes();
        String digest = digestOf(image);
        CountDownLatch release = new CountDownLatch(1);
        ImageCache cache = new ImageCache(dir.resolve("cache"), d -> {
            opens.incrementAndGet();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return new ByteArrayInputStream(image);
        });
        try (ImagePrefetcher prefetcher = new ImagePrefetcher("h", cache, quickRetries, Clock.systemUTC(), Duration.ofMillis(50))) {
            prefetcher.want(List.of(new WantedImage(digest, image.length)));
            await().atMost(Duration.ofSeconds(30)).until(() -> opens.get() == 1);

            CompletableFuture<Path> boot = CompletableFuture.supplyAsync(() -> {
                try {
                    return cache.get(digest);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            release.countDown();
            assertThat(Sha256.ofFile(boot.get(30, TimeUnit.SECONDS))).isEqualTo(digest);
            assertThat(opens).as("one fetch for the prefetch and the boot").hasValue(1);
        }
    }

    @Test
    void a_failed_prefetch_is_tried_again_later() throws Exception {
        byte[] image = bytes();
        String digest = digestOf(image);
        ImageCache cache = new ImageCache(dir.resolve("cache"), d -> {
            if (opens.incrementAndGet() == 1) throw new IOException("controller unreachable");
            return new ByteArrayInputStream(image);
        });
        try (ImagePrefetcher prefetcher = new ImagePrefetcher("h", cache, quickRetries, Clock.systemUTC(), Duration.ofMillis(50))) {
            prefetcher.want(List.of(new WantedImage(digest, image.length)));
            await().atMost(Duration.ofSeconds(30)).until(() -> cache.contains(digest));
            assertThat(opens).hasValue(2);
        }
    }

    @Test
    void an_image_over_the_cache_limit_is_passed_over_for_a_smaller_one() throws Exception {
        byte[] image = bytes();
        String big = digestOf(image);
        byte[] one = {1};
        String small = digestOf(one);
        List<String> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        ImageCache cache = new ImageCache(dir.resolve("cache"), d -> {
            opened.add(d);
            return new ByteArrayInputStream(d.equals(big) ? image : one);
        });
        PrefetchPolicy tiny = new PrefetchPolicy(2, 1024, 0, Duration.ofMillis(100), Duration.ofMillis(200));
        try (ImagePrefetcher prefetcher = new ImagePrefetcher("h", cache, tiny, Clock.systemUTC(), Duration.ofMillis(50))) {
            prefetcher.want(List.of(new WantedImage(big, image.length), new WantedImage(small, one.length)));
            await().atMost(Duration.ofSeconds(30)).until(() -> cache.contains(small));
            assertThat(opened).containsExactly(small);
            assertThat(cache.contains(big)).isFalse();
        }
    }
}
