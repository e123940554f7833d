package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Azure's conditional headers (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) for one request. */
public record Conditions(String ifMatch, String ifNoneMatch, Long ifModifiedSince, Long ifUnmodifiedSince) {

    /** What a read should do after checking its conditions. */
    public enum Outcome { PROCEED, NOT_MODIFIED }

    public static Conditions from(StorageRequest r) {
        return new Conditions(r.header("If-Match"), r.header("If-None-Match"), date(r, "If-Modified-Since"), date(r, "If-Unmodified-Since"));
    }

    /** The x-ms-source-if-* headers of Copy Blob, which apply to the source. */
    public static Conditions sourceFrom(StorageRequest r) {
        return new Conditions(r.header("x-ms-source-if-match"), r.header("x-ms-source-if-none-match"),
                date(r, "x-ms-source-if-modified-since"), date(r, "x-ms-source-if-unmodified-since"));
    }

    public boolean any() {
        return ifMatch != null || ifNoneMatch != null || ifModifiedSince != null || ifUnmodifiedSince != null;
    }

    private static Long date(StorageRequest r, String header) {
        String v = r.header(header);
        if (v == null) return null;
        try {
            return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw StorageException.invalidHeader(header, v);
        }
    }

    /** For GET/HEAD: unmet If-None-Match / If-Modified-Since give 304; unmet If-Match / If-Unmodified-Since give 412. */
    public Outcome checkRead(String etag, long modified) {
        if (ifMatch != null && !matches(ifMatch, etag)) throw StorageException.preconditionFailed();
        if (ifUnmodifiedSince != null && seconds(modified) > seconds(ifUnmodifiedSince)) throw StorageException.preconditionFailed();
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) return Outcome.NOT_MODIFIED;
        if (ifModifiedSince != null && seconds(modified) <= seconds(ifModifiedSince)) return Outcome.NOT_MODIFIED;
        return Outcome.PROCEED;
    }

    /** For writes against an existing resource (etag null when it does not exist). */
    public void checkWrite(String etag, Long modified, String alreadyExistsCode) {
        if (etag == null) {
            if (ifMatch != null) throw StorageException.preconditionFailed();
            if (ifUnmodifiedSince != null) throw StorageException.preconditionFailed();
            return;
        }
        if (ifNoneMatch != null && ifNoneMatch.trim().equals("*")) {
            throw StorageException.conflict(alreadyExistsCode, "The specified blob already exists.");
        }
        if (ifMatch != null && !matches(ifMatch, etag)) throw StorageException.preconditionFailed();
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) throw StorageException.preconditionFailed();
        if (ifModifiedSince != null && seconds(modified) <= seconds(ifModifiedSince)) throw StorageException.preconditionFailed();
        if (ifUnmodifiedSince != null && seconds(modified) > seconds(ifUnmodifiedSince)) throw StorageException.preconditionFailed();
    }

    private static long seconds(long millis) { return millis / 1000; }

    private static boolean matches(String header, String etag) {
        for (String part : header.split(",")) {
            String p = part.trim();
            if (p.equals("*") || p.equals(etag) || ("\"" + p + "\"").equals(etag)) return true;
        }
        return false;
    }
}
