package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;

/**
 * A container's or blob's lease, stored as last written; {@link #at} derives expiry and the end of a
 * break from the clock. Each operation is a pure function returning the next lease, following
 * Azure's state table (available, leased, expired, breaking, broken) and error codes.
 */
public record Lease(String state, String id, int duration, long expiresAt, long breakAt) {
    public static final Lease NONE = new Lease("available", null, 0, 0, 0);

    /** The lease as it stands at {@code now}: a finite lease past its end is expired, a finished break is broken. */
    public Lease at(long now) {
        if (state.equals("leased") && duration > 0 && expiresAt <= now) return new Lease("expired", id, duration, expiresAt, 0);
        if (state.equals("breaking") && breakAt <= now) return new Lease("broken", id, duration, expiresAt, breakAt);
        return this;
    }

    public boolean active() { return state.equals("leased") || state.equals("breaking"); }

    public String status() { return active() ? "locked" : "unlocked"; }

    /** What {@code x-ms-lease-state} reports. */
    public String reportedState() { return state; }

    public Lease acquire(String proposedId, int seconds, long now) {
        checkDuration(seconds);
        return switch (state) {
            case "available", "expired", "broken" -> new Lease("leased", proposedId, seconds, expiry(now, seconds), 0);
            case "leased" -> {
                if (!id.equals(proposedId)) throw StorageException.conflict("LeaseAlreadyPresent", "There is already a lease present.");
                yield new Lease("leased", id, seconds, expiry(now, seconds), 0);
            }
            default -> throw StorageException.conflict("LeaseIsBreakingAndCannotBeAcquired", "There is already a breaking lease present.");
        };
    }

    public Lease renew(String leaseId, long now) {
        return switch (state) {
            case "leased", "expired" -> {
                matchOrConflict(leaseId);
                yield new Lease("leased", id, duration, expiry(now, duration), 0);
            }
            case "breaking" -> {
                matchOrConflict(leaseId);
                throw StorageException.conflict("LeaseIsBreakingAndCannotBeRenewed", "The lease ID matched, but the lease is currently in breaking state and cannot be renewed.");
            }
            case "broken" -> {
                matchOrConflict(leaseId);
                throw StorageException.conflict("LeaseIsBrokenAndCannotBeRenewed", "The lease ID matched, but the lease has been broken explicitly and cannot be renewed.");
            }
            default -> throw StorageException.conflict("LeaseNotPresentWithLeaseOperation", "There is currently no lease.");
        };
    }

    public Lease change(String leaseId, String proposedId) {
        return switch (state) {
            case "leased" -> {
                if (!id.equals(leaseId) && !id.equals(proposedId)) {
                    throw StorageException.conflict("LeaseIdMismatchWithLeaseOperation", "The lease ID specified did not match the lease ID for the blob/container.");
                }
                yield new Lease("leased", proposedId, duration, expiresAt, 0);
            }
            case "breaking" -> throw StorageException.conflict("LeaseIsBreakingAndCannotBeChanged", "The lease ID matched, but the lease is currently in breaking state and cannot be changed.");
            case "broken" -> throw StorageException.conflict("LeaseIsBrokenAndCannotBeChanged", "The lease ID matched, but the lease has been broken explicitly and cannot be changed.");
            default -> throw StorageException.conflict("LeaseNotPresentWithLeaseOperation", "There is currently no lease.");
        };
    }

    public Lease release(String leaseId) {
        if (state.equals("available")) throw StorageException.conflict("LeaseNotPresentWithLeaseOperation", "There is currently no lease.");
        matchOrConflict(leaseId);
        return NONE;
    }

    /** Breaks the lease; {@code periodSeconds} null means "at the end of the lease" (immediately for infinite). */
    public Lease breakLease(Integer periodSeconds, long now) {
        if (periodSeconds != null && (periodSeconds < 0 || periodSeconds > 60)) {
            throw StorageException.badRequest("InvalidHeaderValue", "x-ms-lease-break-period must be between 0 and 60.");
        }
        return switch (state) {
            case "available" -> throw StorageException.conflict("LeaseNotPresentWithLeaseOperation", "There is currently no lease.");
            case "expired", "broken" -> new Lease("broken", id, duration, expiresAt, now);
            case "leased" -> {
                long period;
                if (duration < 0) period = periodSeconds == null ? 0 : periodSeconds * 1000L;
                else {
                    long remaining = Math.max(0, expiresAt - now);
                    period = periodSeconds == null ? remaining : Math.min(remaining, periodSeconds * 1000L);
                }
                yield period == 0 ? new Lease("broken", id, duration, expiresAt, now) : new Lease("breaking", id, duration, expiresAt, now + period);
            }
            default -> {
                long end = periodSeconds == null ? breakAt : Math.min(breakAt, now + periodSeconds * 1000L);
                yield end <= now ? new Lease("broken", id, duration, expiresAt, now) : new Lease("breaking", id, duration, expiresAt, end);
            }
        };
    }

    /** Seconds until a break completes, as {@code x-ms-lease-time} reports. */
    public int remainingBreakSeconds(long now) {
        return state.equals("breaking") ? (int) Math.max(0, (breakAt - now + 999) / 1000) : 0;
    }

    /**
     * Checks a write or delete against the lease: an active lease needs its id; an id given when no
     * lease is active is refused too. {@code target} is "Blob" or "Container" for the error code.
     */
    public void checkWrite(String leaseId, String target) {
        if (active()) {
            if (leaseId == null) throw new StorageException(412, "LeaseIdMissing", "There is currently a lease on the " + target.toLowerCase() + " and no lease ID was specified in the request.");
            if (!id.equals(leaseId)) throw new StorageException(412, "LeaseIdMismatchWith" + target + "Operation", "The lease ID specified did not match the lease ID for the " + target.toLowerCase() + ".");
        } else if (leaseId != null) {
            throw new StorageException(412, "LeaseNotPresentWith" + target + "Operation", "There is currently no lease on the " + target.toLowerCase() + ".");
        }
    }

    /** Reads with a lease id must match an active lease; reads without one are always allowed. */
    public void checkRead(String leaseId, String target) {
        if (leaseId != null) checkWrite(leaseId, target);
    }

    private void matchOrConflict(String leaseId) {
        if (!id.equals(leaseId)) {
            throw StorageException.conflict("LeaseIdMismatchWithLeaseOperation", "The lease ID specified did not match the lease ID for the blob/container.");
        }
    }

    private static long expiry(long now, int seconds) {
        return seconds < 0 ? Long.MAX_VALUE : now + seconds * 1000L;
    }

    private static void checkDuration(int seconds) {
        if (seconds != -1 && (seconds < 15 || seconds > 60)) {
            throw StorageException.badRequest("InvalidHeaderValue", "x-ms-lease-duration must be -1 or between 15 and 60 seconds.");
        }
    }
}
