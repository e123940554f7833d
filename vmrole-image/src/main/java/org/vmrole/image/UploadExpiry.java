package org.vmrole.image;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Decides which unfinished uploads to throw away: those idle for longer than the timeout. Pure. */
public final class UploadExpiry {
    private UploadExpiry() {}

    /** The ids whose last activity is more than {@code idle} before {@code now}, sorted. */
    public static List<String> expired(Map<String, Instant> lastActivity, Instant now, Duration idle) {
        Instant cutoff = now.minus(idle);
        return lastActivity.entrySet().stream().filter(e -> e.getValue().isBefore(cutoff)).map(Map.Entry::getKey).sorted().toList();
    }
}
