package org.vmrole.host.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.model.host.WantedImage;

class PrefetchPolicyTest {
    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    private static final long GIB = 1L << 30;
    private final PrefetchPolicy policy = new PrefetchPolicy(2, 10 * GIB, GIB, Duration.ofSeconds(10), Duration.ofMinutes(5));

    private static WantedImage image(char digit, long bytes) {
        return new WantedImage("sha256:" + String.valueOf(digit).repeat(64), bytes);
    }

    private static PrefetchPolicy.Cache cache(Map<String, Long> cached, Map<String, Long> fetching, Map<String, PrefetchPolicy.Failure> failures) {
        return new PrefetchPolicy.Cache(cached, fetching, failures, 100 * GIB);
    }

    private static final PrefetchPolicy.Cache EMPTY = cache(Map.of(), Map.of(), Map.of());

    @Test
    void fetches_the_most_wanted_images_first_at_most_two_at_once() {
        List<WantedImage> wanted = List.of(image('1', GIB), image('2', GIB), image('3', GIB));
        assertThat(policy.toFetch(wanted, EMPTY, NOW)).containsExactly(image('1', GIB), image('2', GIB));
    }

    @Test
    void skips_what_is_cached_or_being_fetched_and_fills_only_the_free_slot() {
        List<WantedImage> wanted = List.of(image('1', GIB), image('2', GIB), image('3', GIB), image('4', GIB));
        PrefetchPolicy.Cache c = cache(Map.of(image('1', GIB).digest(), GIB), Map.of(image('2', GIB).digest(), GIB), Map.of());
        assertThat(policy.toFetch(wanted, c, NOW)).containsExactly(image('3', GIB));
    }

    @Test
    void fetches_nothing_while_every_slot_is_busy() {
        PrefetchPolicy.Cache c = cache(Map.of(), Map.of(image('8', GIB).digest(), GIB, image('9', GIB).digest(), GIB), Map.of());
        assertThat(policy.toFetch(List.of(image('1', GIB)), c, NOW)).isEmpty();
    }

    @Test
    void passes_over_an_image_that_would_overfill_the_cache_for_a_smaller_one_behind_it() {
        PrefetchPolicy.Cache c = cache(Map.of(image('0', GIB).digest(), 8 * GIB), Map.of(), Map.of());
        assertThat(policy.toFetch(List.of(image('1', 3 * GIB), image('2', GIB)), c, NOW)).containsExactly(image('2', GIB));
    }

    @Test
    void keeps_the_reserve_free_on_the_disk() {
        PrefetchPolicy.Cache nearlyFull = new PrefetchPolicy.Cache(Map.of(), Map.of(), Map.of(), 2 * GIB);
        assertThat(policy.toFetch(List.of(image('1', 2 * GIB)), nearlyFull, NOW)).isEmpty();
        assertThat(policy.toFetch(List.of(image('1', GIB)), nearlyFull, NOW)).hasSize(1);
    }

    @Test
    void a_failed_fetch_waits_out_its_back_off_then_is_tried_again() {
        PrefetchPolicy.Failure first = policy.failed(null, NOW);
        assertThat(first.retryAt()).isEqualTo(NOW.plusSeconds(10));
        PrefetchPolicy.Cache c = cache(Map.of(), Map.of(), Map.of(image('1', GIB).digest(), first));
        assertThat(policy.toFetch(List.of(image('1', GIB), image('2', GIB)), c, NOW.plusSeconds(9))).containsExactly(image('2', GIB));
        assertThat(policy.toFetch(List.of(image('1', GIB)), c, NOW.plusSeconds(10))).containsExactly(image('1', GIB));
    }

    @Test
    void the_back_off_doubles_up_to_its_limit() {
        PrefetchPolicy.Failure f = null;
        for (int i = 0; i < 4; i++) f = policy.failed(f, NOW);
        assertThat(f.attempts()).isEqualTo(4);
        assertThat(f.retryAt()).isEqualTo(NOW.plusSeconds(80));
        for (int i = 0; i < 40; i++) f = policy.failed(f, NOW);
        assertThat(f.retryAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    }
}
