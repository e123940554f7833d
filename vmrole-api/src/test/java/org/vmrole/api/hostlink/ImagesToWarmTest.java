package org.vmrole.api.hostlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmrole.image.ImageFormat;
import org.vmrole.image.ImageRecord;
import org.vmrole.model.host.WantedImage;

class ImagesToWarmTest {
    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    private final ImagesToWarm policy = new ImagesToWarm(Duration.ofDays(1), 2);

    private static ImageRecord image(String subscription, String name, char digit, Duration age) {
        return new ImageRecord(subscription, name, ImageFormat.QCOW2, 1L << 30, 100 + digit, "sha256:" + String.valueOf(digit).repeat(64), null,
                NOW.minus(age));
    }

    private static List<String> digits(List<WantedImage> wanted) {
        return wanted.stream().map(w -> w.digest().substring(7, 8)).toList();
    }

    @Test
    void images_a_deployment_runs_come_first_then_the_newest_uploads() {
        List<ImageRecord> catalog = List.of(image("a", "old-deployed", '1', Duration.ofDays(90)), image("a", "fresh", '2', Duration.ofMinutes(5)),
                image("b", "fresher", '3', Duration.ofMinutes(1)));
        assertThat(digits(policy.of(catalog, Set.of("sha256:" + "1".repeat(64)), NOW))).containsExactly("1", "3", "2");
    }

    @Test
    void an_old_upload_no_deployment_runs_is_not_warmed() {
        assertThat(policy.of(List.of(image("a", "old", '1', Duration.ofDays(2))), Set.of(), NOW)).isEmpty();
    }

    @Test
    void only_the_newest_uploads_up_to_the_limit_are_warmed() {
        List<ImageRecord> catalog = List.of(image("a", "x", '1', Duration.ofHours(3)), image("a", "y", '2', Duration.ofHours(2)),
                image("a", "z", '3', Duration.ofHours(1)));
        assertThat(digits(policy.of(catalog, Set.of(), NOW))).containsExactly("3", "2");
    }

    @Test
    void one_digest_shared_by_two_subscriptions_is_warmed_once_with_its_size() {
        List<ImageRecord> catalog = List.of(image("a", "web", '4', Duration.ofMinutes(2)), image("b", "web", '4', Duration.ofMinutes(1)));
        List<WantedImage> wanted = policy.of(catalog, Set.of(), NOW);
        assertThat(wanted).containsExactly(new WantedImage("sha256:" + "4".repeat(64), 100 + '4'));
    }
}
