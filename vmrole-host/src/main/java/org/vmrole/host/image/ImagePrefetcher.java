package org.vmrole.host.image;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.image.ImageCache;
import org.vmrole.image.Sha256;
import org.vmrole.model.host.WantedImage;

/**
 * Warms a host's {@link ImageCache} in the background with the images the controller wants hosts to hold, so a deployment
 * does not wait for its image to be fetched. What to fetch is {@link PrefetchPolicy}'s decision, taken again whenever the
 * controller's list changes, a fetch ends, and every {@code tick} (failures' retries). A fetch runs through the cache
 * itself: a boot that needs an image being prefetched waits for that fetch instead of starting another. A failed fetch
 * is logged and tried again later; nothing here ever fails a boot.
 */
public final class ImagePrefetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImagePrefetcher.class);

    private final String host;
    private final ImageCache cache;
    private final PrefetchPolicy policy;
    private final Clock clock;
    private final ExecutorService fetchers;
    private final ScheduledExecutorService ticks;
    private List<WantedImage> wanted = List.of();
    private final Map<String, Long> fetching = new HashMap<>();
    private final Map<String, PrefetchPolicy.Failure> failures = new HashMap<>();

    public ImagePrefetcher(String host, ImageCache cache, PrefetchPolicy policy, Clock clock, Duration tick) {
        this.host = host;
        this.cache = cache;
        this.policy = policy;
        this.clock = clock;
        this.fetchers = Executors.newFixedThreadPool(policy.maxConcurrent(), Thread.ofPlatform().daemon().name("host-" + host + "-prefetch-", 0).factory());
        this.ticks = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("host-" + host + "-prefetch-tick").factory());
        ticks.scheduleWithFixedDelay(this::plan, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The controller's latest list, most wanted first; returns at once. */
    public void want(List<WantedImage> images) {
        List<WantedImage> valid = new ArrayList<>();
        for (WantedImage w : images) {
            try {
                valid.add(new WantedImage(Sha256.parse(w.digest()), w.bytes()));
            } catch (IllegalArgumentException notADigest) {
                log.warn("host {}: the controller asked to warm '{}', which is not an image digest; ignored", host, w.digest());
            }
        }
        synchronized (this) {
            if (valid.equals(wanted)) return;
            wanted = List.copyOf(valid);
        }
        planSoon();
    }

    /** The digests being prefetched now. */
    public synchronized List<String> fetching() {
        return List.copyOf(fetching.keySet());
    }

    private void plan() {
        try {
            Map<String, Long> cached = cache.cached();
            long free = cache.freeBytes();
            synchronized (this) {
                PrefetchPolicy.Cache now = new PrefetchPolicy.Cache(cached, fetching, failures, free);
                for (WantedImage w : policy.toFetch(wanted, now, clock.instant())) {
                    fetching.put(w.digest(), w.bytes());
                    try {
                        fetchers.execute(() -> fetch(w));
                    } catch (RejectedExecutionException closing) {
                        fetching.remove(w.digest());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("host {}: cannot decide which images to prefetch: {}", host, e.getMessage());
        }
    }

    private void fetch(WantedImage w) {
        long t0 = System.nanoTime();
        try {
            cache.get(w.digest());
            synchronized (this) {
                failures.remove(w.digest());
            }
            log.info("host {}: image {} ({} MiB) is in the cache ahead of need, prefetched in {} ms", host, w.digest(), w.bytes() >> 20,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            PrefetchPolicy.Failure f;
            synchronized (this) {
                f = policy.failed(failures.get(w.digest()), clock.instant());
                failures.put(w.digest(), f);
            }
            log.warn("host {}: prefetch of image {} failed (attempt {}), tried again after {}: {}", host, w.digest(), f.attempts(), f.retryAt(), e.getMessage());
        } finally {
            synchronized (this) {
                fetching.remove(w.digest());
            }
            planSoon();
        }
    }

    /** Decisions are taken one at a time, on the tick's thread. */
    private void planSoon() {
        try {
            ticks.execute(this::plan);
        } catch (RejectedExecutionException closing) {
            // closed: nothing more to fetch
        }
    }

    /** Stops prefetching; a fetch in progress is interrupted (its partial file is removed by the cache). */
    @Override
    public void close() {
        ticks.shutdownNow();
        fetchers.shutdownNow();
        try {
            fetchers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
