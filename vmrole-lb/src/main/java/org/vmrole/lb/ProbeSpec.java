package org.vmrole.lb;

import java.time.Duration;
import java.util.Objects;

/**
 * How a pool probes its backends (Azure's {@code LoadBalancerProbe}): a TCP connect, or an HTTP GET of
 * {@code path} that must answer 200; every {@code interval}, each attempt bounded by {@code timeout}; a
 * backend leaves rotation after {@code failureThreshold} consecutive failures and comes back on one success.
 */
public record ProbeSpec(Kind kind, String path, Duration interval, Duration timeout, int failureThreshold) {

    /** TCP connect or HTTP GET. */
    public enum Kind { TCP, HTTP }

    /** Azure's default probe interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
    /** Azure's default: two failed probes take an instance out. */
    public static final int DEFAULT_FAILURE_THRESHOLD = 2;

    public ProbeSpec {
        Objects.requireNonNull(kind, "probe kind is missing: TCP or HTTP");
        if (kind == Kind.HTTP && (path == null || !path.startsWith("/"))) {
            throw new IllegalArgumentException("probe path '" + path + "' must start with '/', e.g. /health");
        }
        if (kind == Kind.TCP) {
            path = null;
        }
        requirePositive(interval, "interval");
        requirePositive(timeout, "timeout");
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("probe failureThreshold is " + failureThreshold + ": give 1 or more");
        }
    }

    /** A TCP probe with Azure's defaults (15 s, 2 failures; each attempt bounded by 5 s). */
    public static ProbeSpec tcp() {
        return new ProbeSpec(Kind.TCP, null, DEFAULT_INTERVAL, Duration.ofSeconds(5), DEFAULT_FAILURE_THRESHOLD);
    }

    /** An HTTP probe of {@code path} with Azure's defaults (15 s, 2 failures; each attempt bounded by 5 s). */
    public static ProbeSpec http(String path) {
        return new ProbeSpec(Kind.HTTP, path, DEFAULT_INTERVAL, Duration.ofSeconds(5), DEFAULT_FAILURE_THRESHOLD);
    }

    /**
     * From a service definition's {@code <LoadBalancerProbe intervalInSeconds timeoutInSeconds>}: Azure's
     * timeout is how long an instance may go unanswered before it is taken out (default 31 s with a 15 s
     * interval, i.e. two missed probes), so it becomes the failure threshold; each attempt gets one interval.
     */
    public static ProbeSpec fromDefinition(Kind kind, String path, int intervalInSeconds, int timeoutInSeconds) {
        if (intervalInSeconds < 1) {
            throw new IllegalArgumentException("LoadBalancerProbe intervalInSeconds is " + intervalInSeconds + ": give 1 or more (default 15)");
        }
        if (timeoutInSeconds < intervalInSeconds) {
            throw new IllegalArgumentException("LoadBalancerProbe timeoutInSeconds " + timeoutInSeconds
                    + " is shorter than intervalInSeconds " + intervalInSeconds + ": give at least twice the interval plus one (default 31)");
        }
        Duration interval = Duration.ofSeconds(intervalInSeconds);
        return new ProbeSpec(kind, path, interval, interval, Math.max(1, timeoutInSeconds / intervalInSeconds));
    }

    public ProbeSpec withInterval(Duration newInterval) {
        return new ProbeSpec(kind, path, newInterval, timeout, failureThreshold);
    }

    public ProbeSpec withTimeout(Duration newTimeout) {
        return new ProbeSpec(kind, path, interval, newTimeout, failureThreshold);
    }

    public ProbeSpec withFailureThreshold(int threshold) {
        return new ProbeSpec(kind, path, interval, timeout, threshold);
    }

    private static void requirePositive(Duration d, String field) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("probe " + field + " is " + d + ": give a positive duration");
        }
    }
}
