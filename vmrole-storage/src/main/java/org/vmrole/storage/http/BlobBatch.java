package org.vmrole.storage.http;

import org.vmrole.storage.RandomIds;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Blob Batch ({@code POST ?comp=batch} on the service or a container): up to 256 Delete Blob or
 * Set Blob Tier sub-requests in a multipart/mixed body, each authenticated and answered as a call of
 * its own, their answers returned as one multipart/mixed body.
 */
final class BlobBatch {
    private static final int MAX_BODY = 4 * 1024 * 1024;
    private static final int MAX_REQUESTS = 256;
    private static final String CRLF = "\r\n";

    private final StorageHandler servlet;

    BlobBatch(StorageHandler servlet) {
        this.servlet = servlet;
    }

    /** One sub-request as the client wrote it. */
    record SubRequest(String contentId, String method, String target, Map<String, String> headers) {
        String path() { return target.contains("?") ? target.substring(0, target.indexOf('?')) : target; }

        String query() { return target.contains("?") ? target.substring(target.indexOf('?') + 1) : null; }

        /** The API a batch may carry: "delete" or "tier"; anything else is refused. */
        String api() {
            if (method.equals("DELETE")) return "delete";
            if (method.equals("PUT") && query() != null && List.of(query().split("&")).contains("comp=tier")) return "tier";
            throw StorageException.badRequest("InvalidInput", "A batch carries only Delete Blob and Set Blob Tier, not " + method + " " + target + ".");
        }
    }

    static boolean isBatch(StorageRequest r) {
        return r.method().equals("POST") && "batch".equals(r.param("comp"))
                && (r.resourcePath().isEmpty() || r.hasParam("restype", "container"));
    }

    void execute(StorageRequest r, Access access, StorageResponse resp) throws IOException {
        if (access.anonymousCaller()) throw StorageException.authFailed("A batch needs credentials.");
        String boundary = boundary(r.header("Content-Type"));
        byte[] raw = r.body().readNBytes(MAX_BODY + 1);
        if (raw.length > MAX_BODY) throw new StorageException(413, "RequestBodyTooLarge", "A batch body is limited to 4 MiB.");
        String prefix = "/" + r.account() + "/" + (r.resourcePath().isEmpty() ? "" : stripSlash(r.resourcePath()) + "/");
        String responseBoundary = "batchresponse_" + UUID.randomUUID();
        StringBuilder out = new StringBuilder();
        try {
            List<SubRequest> subs = parse(new String(raw, StandardCharsets.UTF_8), boundary, prefix);
            for (SubRequest sub : subs) {
                BufferedResponse buffer = new BufferedResponse();
                StorageRequest.Source source = source(sub, r);
                servlet.dispatch(Service.BLOB, () -> new StorageRequest(source, Service.BLOB, sub.path(), sub.query()),
                        sub.method(), source::header, buffer.response());
                part(out, responseBoundary, sub.contentId(), buffer);
            }
        } catch (StorageException e) {
            // a body that cannot be split is answered, as Azure does, by one part without a Content-ID
            BufferedResponse buffer = new BufferedResponse();
            StorageResponse failed = buffer.response();
            String id = RandomIds.uuid();
            failed.header("x-ms-request-id", id).header("x-ms-version", ApiVersion.LATEST);
            StorageHandler.writeError("POST", name -> null, null, failed, ServiceApi.ErrorFormat.XML, e, id);
            out.setLength(0);
            part(out, responseBoundary, null, buffer);
        }
        out.append("--").append(responseBoundary).append("--").append(CRLF);
        resp.status(202).body("multipart/mixed; boundary=" + responseBoundary, out.toString());
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static StorageRequest.Source source(SubRequest sub, StorageRequest outer) {
        return new StorageRequest.Source() {
            public String method() { return sub.method(); }

            public String header(String name) { return sub.headers().get(name.toLowerCase(Locale.ROOT)); }

            public List<String> headerNames() { return List.copyOf(sub.headers().keySet()); }

            public InputStream body() { return new ByteArrayInputStream(new byte[0]); }

            public String remoteAddress() { return outer.remoteAddress(); }

            public boolean secure() { return outer.secure(); }
        };
    }

    static String boundary(String contentType) {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/mixed")) {
            for (String param : contentType.split(";")) {
                String p = param.trim();
                if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                    String b = p.substring("boundary=".length()).trim();
                    if (b.length() > 1 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
                    if (!b.isEmpty()) return b;
                }
            }
        }
        throw StorageException.badRequest("InvalidHeaderValue", "A batch needs Content-Type: multipart/mixed; boundary=...; got " + contentType + ".");
    }

    /** Splits the body into sub-requests; all must be one API and lie under {@code prefix} (the account, or the container). */
    static List<SubRequest> parse(String body, String boundary, String prefix) {
        String delimiter = "--" + boundary;
        int end = body.indexOf(delimiter + "--");
        String[] parts = (end < 0 ? body : body.substring(0, end)).split(java.util.regex.Pattern.quote(delimiter), -1);
        List<SubRequest> subs = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].isBlank()) continue;
            subs.add(subRequest(parts[i], prefix));
        }
        if (subs.isEmpty()) throw StorageException.badRequest("InvalidInput", "The batch holds no sub-requests.");
        if (subs.size() > MAX_REQUESTS) {
            throw StorageException.badRequest("ExceedsMaxBatchRequestCount", "The batch operation exceeds maximum number of allowed subrequests (" + MAX_REQUESTS + ").");
        }
        String api = subs.getFirst().api();
        for (SubRequest s : subs) {
            if (!s.api().equals(api)) throw StorageException.badRequest("AllBatchSubRequestsShouldBeSameApi", "All batch subrequests should be the same api.");
        }
        return subs;
    }

    private static SubRequest subRequest(String part, String prefix) {
        List<String> lines = List.of(part.replace(CRLF, "\n").split("\n", -1));
        int i = lines.getFirst().isEmpty() ? 1 : 0;
        Map<String, String> partHeaders = new LinkedHashMap<>();
        i = headers(lines, i, partHeaders);
        String[] requestLine = i < lines.size() ? lines.get(i).trim().split(" ") : new String[0];
        if (requestLine.length < 2) throw StorageException.badRequest("InvalidInput", "A batch sub-request has no request line.");
        Map<String, String> headers = new LinkedHashMap<>();
        headers(lines, i + 1, headers);
        String target = requestLine[1].startsWith("/") ? requestLine[1] : "/" + requestLine[1];
        if (target.startsWith("http://") || target.startsWith("https://")) target = java.net.URI.create(requestLine[1]).getRawPath();
        if (!target.startsWith(prefix)) {
            throw StorageException.badRequest("InvalidInput", "Batch sub-request " + target + " is outside " + prefix + ".");
        }
        return new SubRequest(partHeaders.get("content-id"), requestLine[0].toUpperCase(Locale.ROOT), target, headers);
    }

    /** Reads "Name: value" lines from {@code from} up to the blank line; returns the index after it. */
    private static int headers(List<String> lines, int from, Map<String, String> into) {
        int i = from;
        for (; i < lines.size() && !lines.get(i).isEmpty(); i++) {
            int colon = lines.get(i).indexOf(':');
            if (colon <= 0) throw StorageException.badRequest("InvalidInput", "Malformed header line in a batch: " + lines.get(i));
            into.put(lines.get(i).substring(0, colon).trim().toLowerCase(Locale.ROOT), lines.get(i).substring(colon + 1).trim());
        }
        return i + 1;
    }

    private static void part(StringBuilder out, String boundary, String contentId, BufferedResponse r) {
        out.append("--").append(boundary).append(CRLF).append("Content-Type: application/http").append(CRLF);
        if (contentId != null) out.append("Content-ID: ").append(contentId).append(CRLF);
        out.append(CRLF).append("HTTP/1.1 ").append(r.status()).append(' ').append(HttpStatus.reason(r.status())).append(CRLF);
        for (Map.Entry<String, String> h : r.headers()) out.append(h.getKey()).append(": ").append(h.getValue()).append(CRLF);
        String body = r.bodyText();
        out.append(CRLF);
        if (!body.isEmpty()) out.append(body).append(CRLF);
    }
}
