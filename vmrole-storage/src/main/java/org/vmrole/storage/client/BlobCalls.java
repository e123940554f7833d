package org.vmrole.storage.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The few Blob calls the platform itself makes on a tenant's account (drives: create a page blob and write its footer,
 * snapshot, delete, read its lease state, sign a read-only SAS), over HTTP with SharedKey as any client would, so the
 * storage service may run in another process. Path-style URLs: {@code BLOB_ENDPOINT/ACCOUNT/CONTAINER/BLOB}.
 */
public final class BlobCalls {
    static final String VERSION = "2021-08-06";
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String blobEndpoint;
    private final String account;
    private final byte[] key;

    /** A call failed: the service's status and error code (or the I/O error, status 0). */
    public static final class Failed extends RuntimeException {
        private final int status;
        private final String code;

        Failed(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public int status() { return status; }

        public String code() { return code; }
    }

    /** What a HEAD of a blob tells: its length, lease state ({@code available}, {@code leased}, ...) and metadata. */
    public record Properties(long length, String leaseState, Map<String, String> metadata) {
        public boolean leased() {
            return "leased".equals(leaseState);
        }
    }

    /** {@code key} is the account's base64 key; it signs every call and never leaves this object. */
    public BlobCalls(String blobEndpoint, String account, String key) {
        this.blobEndpoint = blobEndpoint.endsWith("/") ? blobEndpoint.substring(0, blobEndpoint.length() - 1) : blobEndpoint;
        this.account = account;
        this.key = Base64.getDecoder().decode(key);
    }

    /** The blob's URL without credentials. */
    public String url(String container, String blob) {
        return blobEndpoint + "/" + account + "/" + container + "/" + blob;
    }

    /** Creates the container unless it exists. */
    public void createContainerIfAbsent(String container) {
        HttpResponse<String> r = send("PUT", "/" + container, Map.of("restype", "container"), Map.of(), null);
        if (r.statusCode() != 201 && !(r.statusCode() == 409 && errorCode(r).equals("ContainerAlreadyExists"))) throw failed(r, "create container " + container);
    }

    /** Creates an empty page blob of {@code length} bytes; an existing blob of that name is refused (409). */
    public void createPageBlob(String container, String blob, long length) {
        HttpResponse<String> r = send("PUT", "/" + container + "/" + blob, Map.of(),
                Map.of("x-ms-blob-type", "PageBlob", "x-ms-blob-content-length", Long.toString(length), "If-None-Match", "*"), null);
        if (r.statusCode() != 201) throw failed(r, "create page blob " + container + "/" + blob);
    }

    /** Writes whole pages at {@code offset} (both multiples of 512). */
    public void putPages(String container, String blob, long offset, byte[] pages) {
        HttpResponse<String> r = send("PUT", "/" + container + "/" + blob, Map.of("comp", "page"),
                Map.of("x-ms-page-write", "update", "x-ms-range", "bytes=" + offset + "-" + (offset + pages.length - 1)), pages);
        if (r.statusCode() != 201) throw failed(r, "write pages of " + container + "/" + blob);
    }

    /** Takes a snapshot; returns its time stamp (the {@code snapshot=} of its URL). */
    public String snapshot(String container, String blob) {
        HttpResponse<String> r = send("PUT", "/" + container + "/" + blob, Map.of("comp", "snapshot"), Map.of(), null);
        if (r.statusCode() != 201) throw failed(r, "snapshot " + container + "/" + blob);
        return r.headers().firstValue("x-ms-snapshot").orElseThrow(() -> new Failed(r.statusCode(), "NoSnapshot", "the service answered no x-ms-snapshot"));
    }

    /** Deletes the blob and its snapshots; false when it did not exist. */
    public boolean delete(String container, String blob) {
        HttpResponse<String> r = send("DELETE", "/" + container + "/" + blob, Map.of(), Map.of("x-ms-delete-snapshots", "include"), null);
        if (r.statusCode() == 404) return false;
        if (r.statusCode() != 202) throw failed(r, "delete " + container + "/" + blob);
        return true;
    }

    /** The blob's properties, empty when it does not exist. */
    public Optional<Properties> properties(String container, String blob) {
        HttpResponse<String> r = send("HEAD", "/" + container + "/" + blob, Map.of(), Map.of(), null);
        if (r.statusCode() == 404) return Optional.empty();
        if (r.statusCode() != 200) throw failed(r, "read the properties of " + container + "/" + blob);
        Map<String, String> meta = new TreeMap<>();
        r.headers().map().forEach((name, values) -> {
            if (name.toLowerCase(Locale.ROOT).startsWith("x-ms-meta-")) meta.put(name.substring("x-ms-meta-".length()).toLowerCase(Locale.ROOT), values.getFirst());
        });
        return Optional.of(new Properties(r.headers().firstValueAsLong("Content-Length").orElse(0),
                r.headers().firstValue("x-ms-lease-state").orElse("available"), meta));
    }

    /**
     * A service SAS for one blob (or one of its snapshots, when {@code snapshot} is not null), read-only, valid from a
     * few minutes ago (clocks differ) until {@code expiry}: the query string to append to its URL.
     */
    public String readSas(String container, String blob, String snapshot, Instant expiry) {
        String sp = "r";
        String st = iso(Instant.now().minus(5, ChronoUnit.MINUTES));
        String se = iso(expiry);
        String sr = snapshot == null ? "b" : "bs";
        String canonical = "/blob/" + account + "/" + container + "/" + blob;
        String toSign = sp + "\n" + st + "\n" + se + "\n" + canonical + "\n\n\nhttps,http\n" + VERSION + "\n" + sr + "\n"
                + (snapshot == null ? "" : snapshot) + "\n\n\n\n\n\n";
        String q = "sv=" + VERSION + "&spr=https,http&st=" + enc(st) + "&se=" + enc(se) + "&sr=" + sr + "&sp=" + sp + "&sig=" + enc(sign(toSign));
        return snapshot == null ? q : "snapshot=" + enc(snapshot) + "&" + q;
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> query, Map<String, String> headers, byte[] body) {
        String urlPath = "/" + account + path;
        StringBuilder url = new StringBuilder(blobEndpoint).append(urlPath);
        char sep = '?';
        for (var q : new TreeMap<>(query).entrySet()) {
            url.append(sep).append(enc(q.getKey())).append('=').append(enc(q.getValue()));
            sep = '&';
        }
        Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        all.putAll(headers);
        all.put("x-ms-date", RFC1123.format(Instant.now()));
        all.put("x-ms-version", VERSION);
        long length = body == null ? 0 : body.length;
        all.put("Authorization", "SharedKey " + account + ":" + sign(stringToSign(method, length, all, urlPath, query)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        all.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failed(0, "Unreachable", "the storage service at " + blobEndpoint + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed(0, "Interrupted", "interrupted while calling the storage service");
        }
    }

    /** Azure's SharedKey string (versions 2009-09-19 and later) for a request with these headers. */
    private String stringToSign(String method, long length, Map<String, String> headers, String urlPath, Map<String, String> query) {
        StringBuilder s = new StringBuilder(method).append('\n');
        for (String h : List.of("Content-Encoding", "Content-Language")) s.append(headers.getOrDefault(h, "")).append('\n');
        s.append(length == 0 ? "" : Long.toString(length)).append('\n');
        for (String h : List.of("Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range")) {
            s.append(headers.getOrDefault(h, "")).append('\n');
        }
        Map<String, String> ms = new TreeMap<>();
        headers.forEach((k, v) -> {
            String lower = k.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-ms-")) ms.put(lower, v.trim());
        });
        ms.forEach((k, v) -> s.append(k).append(':').append(v).append('\n'));
        s.append('/').append(account).append(urlPath);
        new TreeMap<>(query).forEach((k, v) -> s.append('\n').append(k.toLowerCase(Locale.ROOT)).append(':').append(v));
        return s.toString();
    }

    private String sign(String toSign) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static String errorCode(HttpResponse<String> r) {
        // Azure sends the code as a header too, so the XML body need not be read
        return r.headers().firstValue("x-ms-error-code").orElse("");
    }

    private static Failed failed(HttpResponse<String> r, String what) {
        String code = errorCode(r);
        return new Failed(r.statusCode(), code, "storage service refused to " + what + ": " + r.statusCode() + (code.isEmpty() ? "" : " " + code));
    }

    private static String iso(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
