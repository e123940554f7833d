package org.vmrole.storage.auth;

import org.vmrole.storage.http.StorageRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The strings Azure's SharedKey and SharedKeyLite schemes sign, built from a request. */
public final class SharedKeyStrings {
    private SharedKeyStrings() {}

    /** Blob and Queue SharedKey (versions 2009-09-19 and later). */
    public static String sharedKey(StorageRequest r) {
        String length = nz(r.header("Content-Length"));
        if (length.equals("0")) length = "";
        return r.method() + "\n"
                + nz(r.header("Content-Encoding")) + "\n"
                + nz(r.header("Content-Language")) + "\n"
                + length + "\n"
                + nz(r.header("Content-MD5")) + "\n"
                + nz(r.header("Content-Type")) + "\n"
                + nz(r.header("Date")) + "\n"
                + nz(r.header("If-Modified-Since")) + "\n"
                + nz(r.header("If-Match")) + "\n"
                + nz(r.header("If-None-Match")) + "\n"
                + nz(r.header("If-Unmodified-Since")) + "\n"
                + nz(r.header("Range")) + "\n"
                + canonicalHeaders(r)
                + canonicalResource(r);
    }

    /** Blob and Queue SharedKeyLite. */
    public static String sharedKeyLite(StorageRequest r) {
        return r.method() + "\n"
                + nz(r.header("Content-MD5")) + "\n"
                + nz(r.header("Content-Type")) + "\n"
                + nz(r.header("Date")) + "\n"
                + canonicalHeaders(r)
                + liteResource(r);
    }

    /** Table SharedKey: the date is x-ms-date when present. */
    public static String tableSharedKey(StorageRequest r) {
        return r.method() + "\n"
                + nz(r.header("Content-MD5")) + "\n"
                + nz(r.header("Content-Type")) + "\n"
                + tableDate(r) + "\n"
                + liteResource(r);
    }

    /** Table SharedKeyLite, which the Java tables SDK uses. */
    public static String tableSharedKeyLite(StorageRequest r) {
        return tableDate(r) + "\n" + liteResource(r);
    }

    private static String tableDate(StorageRequest r) {
        String d = r.header("x-ms-date");
        return d != null ? d : nz(r.header("Date"));
    }

    private static String canonicalHeaders(StorageRequest r) {
        Map<String, String> sorted = new TreeMap<>();
        for (String name : r.headerNames()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-ms-")) {
                String value = r.header(name);
                sorted.put(lower, value == null ? "" : collapseWhitespace(value));
            }
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
        return sb.toString();
    }

    /** Runs of whitespace become one space and the ends are trimmed, as the canonical header form requires. */
    static String collapseWhitespace(String value) {
        String v = value.trim();
        StringBuilder sb = null;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean space = Character.isWhitespace(c);
            if (space && sb == null && c == ' ' && (i + 1 >= v.length() || !Character.isWhitespace(v.charAt(i + 1)))) continue;
            if (sb == null) {
                if (!space) continue;
                sb = new StringBuilder(v.length()).append(v, 0, i);
            }
            if (!space) sb.append(c);
            else if (sb.charAt(sb.length() - 1) != ' ') sb.append(' ');
        }
        return sb == null ? v : sb.toString();
    }

    private static String canonicalResource(StorageRequest r) {
        StringBuilder sb = new StringBuilder("/").append(r.account()).append(r.rawPath());
        Map<String, List<String>> params = new TreeMap<>();
        r.query().forEach((k, v) -> params.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
        params.forEach((k, v) -> {
            List<String> values = new ArrayList<>(v);
            values.sort(null);
            sb.append('\n').append(k).append(':').append(String.join(",", values));
        });
        return sb.toString();
    }

    private static String liteResource(StorageRequest r) {
        String base = "/" + r.account() + r.rawPath();
        String comp = r.param("comp");
        return comp == null ? base : base + "?comp=" + comp;
    }

    static String nz(String s) { return s == null ? "" : s; }
}
