package org.vmrole.host.image;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vmrole.model.host.WantedImage;

/**
 * Which images a host fetches into its cache now, ahead of need: those the controller wants that are neither cached,
 * being fetched nor waiting out a failure's back-off, most wanted first, at most {@code maxConcurrent} fetches at once,
 * and only while the cache stays within {@code cacheLimitBytes} and the disk keeps {@code reserveFreeBytes} free. A pure
 * decision: {@link ImagePrefetcher} carries it out. A boot fetches what it needs whatever this says.
 */
public record PrefetchPolicy(int maxConcurrent, long cacheLimitBytes, long reserveFreeBytes, Duration retryFirst, Duration retryMax) {
    /** Two fetches at once, a 32 GiB cache, 2 GiB of the disk kept free, retries from 10 s doubling to 5 min. */
    public static final PrefetchPolicy DEFAULT = new PrefetchPolicy(2, 32L << 30, 2L << 30, Duration.ofSeconds(10), Duration.ofMinutes(5));

    public PrefetchPolicy {
        if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent must be at least 1, not " + maxConcurrent);
    }

    /** A digest's failed fetches so far and when it may be tried again. */
    public record Failure(int attempts, Instant retryAt) {}

    /**
     * What the host holds now: the cached images and those being fetched (digest to bytes), failures, and the bytes
     * still free on the cache's disk.
     */
    public record Cache(Map<String, Long> cached, Map<String, Long> fetching, Map<String, Failure> failures, long freeBytes) {
        public Cache {
            cached = Map.copyOf(cached);
            fetching = Map.copyOf(fetching);
            failures = Map.copyOf(failures);
        }
    }

    /** The images to start fetching now, in the order given. */
    public List<WantedImage> toFetch(List<WantedImage> wanted, Cache cache, Instant now) {
        int slots = maxConcurrent - cache.fetching().size();
        long used = sum(cache.cached()) + sum(cache.fetching());
        long free = cache.freeBytes() - reserveFreeBytes;
        List<WantedImage> out = new ArrayList<>();
        for (WantedImage w : wanted) {
            if (out.size() >= slots) break;
            if (cache.cached().containsKey(w.digest()) || cache.fetching().containsKey(w.digest())) continue;
            Failure f = cache.failures().get(w.digest());
            if (f != null && now.isBefore(f.retryAt())) continue;
            // one that does not fit is passed over: a smaller one behind it may
            if (used + w.bytes() > cacheLimitBytes || w.bytes() > free) continue;
            out.add(w);
            used += w.bytes();
            free -= w.bytes();
        }
        return out;
    }

    /** The back-off after one more failed fetch: {@code retryFirst}, doubling, at most {@code retryMax}. */
    public Failure failed(Failure previous, Instant now) {
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        Duration wait = retryFirst.multipliedBy(1L << Math.min(attempts - 1, 20));
        if (wait.compareTo(retryMax) > 0) wait = retryMax;
        return new Failure(attempts, now.plus(wait));
    }

    private static long sum(Map<String, Long> sizes) {
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
