package org.vmrole.storage.http;

import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One REST call as the services see it: the account, the decoded path below it, the query (parsed
 * here, never by the servlet container, so a POST body is never consumed as a form) and headers.
 */
public final class StorageRequest {
    /** Where a request's method, headers and body come from: the servlet request, or one part of a batch. */
    public interface Source {
        String method();

        String header(String name);

        List<String> headerNames();

        InputStream body() throws IOException;

        String remoteAddress();

        boolean secure();
    }

    private final Source raw;
    private final Service service;
    private final String rawPath;
    private final String account;
    private final String resourcePath;
    private final Map<String, List<String>> query;

    /** A request from any source: {@code uri} is the still-encoded path, {@code queryString} the raw query or null. */
    public StorageRequest(Source raw, Service service, String uri, String queryString) {
        this.raw = raw;
        this.service = service;
        this.rawPath = uri == null || uri.isEmpty() ? "/" : uri;
        String path = decode(rawPath.substring(1));
        int slash = path.indexOf('/');
        this.account = slash < 0 ? path : path.substring(0, slash);
        this.resourcePath = slash < 0 ? "" : path.substring(slash + 1);
        this.query = parseQuery(queryString);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw StorageException.badRequest("InvalidUri", "The requested URI does not represent any resource on the server.");
        }
    }

    private static Map<String, List<String>> parseQuery(String q) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (q == null || q.isEmpty()) return out;
        for (String part : q.split("&")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            try {
                name = URLDecoder.decode(name, StandardCharsets.UTF_8);
                value = URLDecoder.decode(value, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw StorageException.invalidQuery(name, value);
            }
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    public Service service() { return service; }

    public String method() { return raw.method(); }

    /** The path as the client sent it (still percent-encoded): SharedKey signs this form. */
    public String rawPath() { return rawPath; }

    public String account() { return account; }

    /** Everything after the account, decoded: "container/dir/blob.txt", "queue/messages", "Tables('x')". */
    public String resourcePath() { return resourcePath; }

    public Map<String, List<String>> query() { return Collections.unmodifiableMap(query); }

    public String param(String name) {
        List<String> v = query.get(name);
        if (v == null) {
            for (Map.Entry<String, List<String>> e : query.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) return e.getValue().getFirst();
            }
            return null;
        }
        return v.getFirst();
    }

    public boolean hasParam(String name, String value) {
        String v = param(name);
        return v != null && v.equalsIgnoreCase(value);
    }

    public String header(String name) {
        return raw.header(name);
    }

    public List<String> headerNames() {
        return raw.headerNames();
    }

    /** The {@code x-ms-meta-*} headers as Azure metadata (names keep the client's case). */
    public Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String h : headerNames()) {
            if (h.toLowerCase(Locale.ROOT).startsWith("x-ms-meta-")) {
                String key = h.substring("x-ms-meta-".length());
                if (!Names.identifier(key)) {
                    throw StorageException.badRequest("InvalidMetadata", "The metadata specified is invalid. It has characters that are not permitted.");
                }
                meta.put(key, raw.header(h));
            }
        }
        return meta;
    }

    public long contentLength() {
        String v = header("Content-Length");
        if (v == null || v.isEmpty()) return -1;
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) throw StorageException.invalidHeader("Content-Length", v);
            return n;
        } catch (NumberFormatException e) {
            throw StorageException.invalidHeader("Content-Length", v);
        }
    }

    public InputStream body() {
        try {
            return raw.body();
        } catch (IOException e) {
            throw StorageException.badRequest("InvalidInput", "The request body could not be read.");
        }
    }

    public String remoteAddress() { return raw.remoteAddress(); }

    public boolean secure() { return raw.secure(); }

    public int intParam(String name, int def, int min, int max) {
        String v = param(name);
        if (v == null) return def;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw StorageException.invalidQuery(name, v);
            return n;
        } catch (NumberFormatException e) {
            throw StorageException.invalidQuery(name, v);
        }
    }
}
