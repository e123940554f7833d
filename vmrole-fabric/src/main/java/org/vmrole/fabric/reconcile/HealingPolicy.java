package org.vmrole.fabric.reconcile;

import java.time.Duration;

/**
 * How patient the fabric is: a host is Down after {@code hostTimeout} without a heartbeat; an instance that is not
 * ready {@code startTimeout} after it was asked for has failed; failures after the first wait {@code backoffBase},
 * doubling up to {@code backoffMax}; every {@code relocateAfterFailures}-th failure moves the instance to another
 * host; {@code stableAfter} of health clears the failure count.
 */
public record HealingPolicy(
        Duration hostTimeout,
        Duration startTimeout,
        Duration backoffBase,
        Duration backoffMax,
        int relocateAfterFailures,
        Duration stableAfter) {

    public static final HealingPolicy DEFAULT = new HealingPolicy(Duration.ofSeconds(3), Duration.ofMinutes(5),
            Duration.ofSeconds(1), Duration.ofMinutes(5), 3, Duration.ofMinutes(1));

    public HealingPolicy {
        if (relocateAfterFailures < 1) throw new IllegalArgumentException("relocateAfterFailures " + relocateAfterFailures + " must be at least 1");
    }

    /** How long to hold back the restart after the {@code failures}-th failure in a row: none for the first. */
    public long backoffMillis(int failures) {
        if (failures <= 1) return 0;
        int shift = Math.min(failures - 2, 30);
        return Math.min(backoffMax.toMillis(), backoffBase.toMillis() << shift);
    }

    public boolean relocatesAfter(int failures) {
        return failures % relocateAfterFailures == 0;
    }
}
