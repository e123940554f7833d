package org.vmrole.storage.http;

import org.vmrole.storage.StorageException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The {@code x-ms-version} values this server speaks: 2009-09-19 up to the newest the current SDKs send. */
public final class ApiVersion {
    /** The newest version accepted (azure-storage-blob 12.35 sends it). */
    public static final String LATEST = "2026-06-06";
    private static final String OLDEST = "2009-09-19";
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private ApiVersion() {}

    /** Versions already accepted: clients send one or two, and the check runs on every call. */
    private static final Map<String, String> ACCEPTED = new ConcurrentHashMap<>();

    /** Returns the version to echo; refuses malformed and future versions as Azure does. */
    public static String check(String header) {
        if (header == null) return LATEST;
        String known = ACCEPTED.get(header);
        if (known != null) return known;
        String v = header.trim();
        if (!DATE.matcher(v).matches() || v.compareTo(LATEST) > 0 || v.compareTo(OLDEST) < 0) {
            throw new StorageException(400, "InvalidHeaderValue",
                    "The value for one of the HTTP headers is not in the correct format. Header: x-ms-version value: " + header
                            + ". Supported versions are " + OLDEST + " to " + LATEST + ".");
        }
        if (ACCEPTED.size() < 1000) ACCEPTED.put(header, v);
        return v;
    }
}
