package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;

import java.time.Instant;

/** Maps the {@code x-ms-lease-action} header onto {@link Lease} transitions and their responses. */
final class LeaseAction {
    private LeaseAction() {}

    static Lease apply(Lease current, String action, String leaseId, String proposed, StorageRequest r, long now) {
        if (action == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-lease-action.");
        return switch (action) {
            case "acquire" -> current.acquire(proposed == null ? ContainerHandler.newLeaseId() : checkId(proposed), duration(r), now);
            case "renew" -> current.renew(required(leaseId), now);
            case "change" -> current.change(required(leaseId), checkId(requiredProposed(proposed)));
            case "release" -> current.release(required(leaseId));
            case "break" -> current.breakLease(breakPeriod(r), now);
            default -> throw StorageException.invalidHeader("x-ms-lease-action", action);
        };
    }

    static void respond(StorageResponse resp, Lease lease, String action, long now, String etag, long modified) {
        resp.header("ETag", etag).date("Last-Modified", Instant.ofEpochMilli(modified));
        switch (action) {
            case "acquire", "renew", "change" -> resp.header("x-ms-lease-id", lease.id()).empty(action.equals("acquire") ? 201 : 200);
            case "release" -> resp.empty(200);
            default -> resp.header("x-ms-lease-time", String.valueOf(lease.remainingBreakSeconds(now))).empty(202);
        }
    }

    private static int duration(StorageRequest r) {
        String v = r.header("x-ms-lease-duration");
        if (v == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-lease-duration.");
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw StorageException.invalidHeader("x-ms-lease-duration", v);
        }
    }

    private static Integer breakPeriod(StorageRequest r) {
        String v = r.header("x-ms-lease-break-period");
        if (v == null) return null;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw StorageException.invalidHeader("x-ms-lease-break-period", v);
        }
    }

    private static String required(String leaseId) {
        if (leaseId == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-lease-id.");
        return checkId(leaseId);
    }

    private static String requiredProposed(String proposed) {
        if (proposed == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-proposed-lease-id.");
        return proposed;
    }

    /** A lease id must be a GUID; anything else is InvalidHeaderValue, whatever the operation. */
    static String checkId(String id) {
        if (!id.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            throw StorageException.invalidHeader("x-ms-lease-id", id);
        }
        return id.toLowerCase();
    }
}
