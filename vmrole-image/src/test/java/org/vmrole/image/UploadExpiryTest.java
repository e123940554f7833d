package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UploadExpiryTest {
    @Test
    void only_uploads_idle_longer_than_the_timeout_expire() {
        Instant now = Instant.parse("2026-01-01T12:00:00Z");
        var activity = Map.of(
                "old", now.minus(Duration.ofMinutes(61)),
                "edge", now.minus(Duration.ofMinutes(60)),
                "busy", now.minusSeconds(5));
        assertThat(UploadExpiry.expired(activity, now, Duration.ofHours(1))).containsExactly("old");
    }
}
