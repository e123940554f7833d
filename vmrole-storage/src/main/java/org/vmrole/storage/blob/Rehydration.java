package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;

import java.time.Duration;
import java.util.Locale;

/**
 * A pending move out of the Archive tier: to which tier, at which priority, and when it is done. Azure takes up to
 * 15 hours (Standard) or under one (High); a development service should not keep its user waiting that long, but
 * it must keep the observable steps (202, archived and unreadable while pending, then the new tier), so it takes
 * {@link #STANDARD} or {@link #HIGH}.
 */
public record Rehydration(String target, String priority, long due) {
    static final Duration STANDARD = Duration.ofSeconds(60);
    static final Duration HIGH = Duration.ofSeconds(5);

    /** Azure's spelling of {@code x-ms-rehydrate-priority} (any case); Standard when absent. */
    static String priority(String header) {
        if (header == null || header.isBlank()) return "Standard";
        String p = header.trim().toLowerCase(Locale.ROOT);
        if (p.equals("standard")) return "Standard";
        if (p.equals("high")) return "High";
        throw StorageException.badRequest("InvalidHeaderValue",
                "The value for one of the HTTP headers is not in the correct format. Header: x-ms-rehydrate-priority value: " + header + ". Use Standard or High.");
    }

    static Rehydration start(String target, String priority, long now) {
        return new Rehydration(target, priority, now + ("High".equals(priority) ? HIGH : STANDARD).toMillis());
    }

    /**
     * The rehydration after another Set Blob Tier while this one is pending: the same target may be hurried to High
     * priority; any other change is refused, since a started rehydration cannot be cancelled or redirected.
     */
    Rehydration retiered(String newTarget, String newPriority, long now) {
        if (!newTarget.equals(target)) {
            throw StorageException.conflict("BlobBeingRehydrated", "This operation is not permitted because the blob is being rehydrated to "
                    + target + "; wait until it is done.");
        }
        if ("High".equals(newPriority) && !"High".equals(priority)) {
            return new Rehydration(target, "High", Math.min(due, now + HIGH.toMillis()));
        }
        return this;
    }
}
