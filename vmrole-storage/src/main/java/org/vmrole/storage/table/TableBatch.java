package org.vmrole.storage.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.http.HttpStatus;
import org.vmrole.storage.http.Json;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Entity group transactions ({@code $batch}): up to 100 operations on one partition of one table,
 * applied in a single SQLite transaction, so all of them commit or none does.
 */
final class TableBatch {
    private static final int MAX_OPS = 100;
    private static final int MAX_BODY = 4 * 1024 * 1024;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";\\s]+)\"?");
    private static final Pattern TABLE_ONLY = Pattern.compile("([A-Za-z][A-Za-z0-9]*)(\\(\\))?");

    private final TableStore store;
    private final TableApi api;

    TableBatch(TableStore store, TableApi api) {
        this.store = store;
        this.api = api;
    }

    /** One parsed operation of a change set. */
    private record Op(String method, String table, String pk, String rk, Map<String, String> headers, JsonNode body) {}

    void execute(StorageRequest r, Access access, StorageResponse resp) throws IOException {
        String batchBoundary = boundary(r.header("Content-Type"));
        byte[] raw = r.body().readNBytes(MAX_BODY + 1);
        if (raw.length > MAX_BODY) throw new StorageException(413, "RequestBodyTooLarge", "The batch request body exceeds 4 MiB.");
        String body = new String(raw, StandardCharsets.UTF_8);
        List<Op> ops = parse(body, batchBoundary, r.account());
        validate(ops, access);
        String account = r.account();
        List<Entity> results = new ArrayList<>();
        int[] failedAt = {-1};
        StorageException failure = null;
        try {
            store.transaction(c -> {
                for (int i = 0; i < ops.size(); i++) {
                    failedAt[0] = i;
                    Op op = ops.get(i);
                    String ifMatch = op.headers().get("if-match");
                    Entity e = switch (op.method()) {
                        case "POST" -> {
                            String pk = EntityJson.key("PartitionKey", text(op.body(), "PartitionKey"));
                            String rk = EntityJson.key("RowKey", text(op.body(), "RowKey"));
                            yield store.write(c, account, op.table(), TableStore.Mode.INSERT, pk, rk, EntityJson.properties(op.body()), null);
                        }
                        case "PUT" -> store.write(c, account, op.table(), TableStore.Mode.REPLACE, op.pk(), op.rk(), EntityJson.properties(op.body()), ifMatch);
                        case "MERGE", "PATCH" -> store.write(c, account, op.table(), TableStore.Mode.MERGE, op.pk(), op.rk(), EntityJson.properties(op.body()), ifMatch);
                        case "DELETE" -> {
                            store.delete(c, account, op.table(), op.pk(), op.rk(), ifMatch == null ? "*" : ifMatch);
                            yield null;
                        }
                        default -> throw StorageException.badRequest("InvalidInput", "Unsupported operation " + op.method() + " in a batch.");
                    };
                    results.add(e);
                }
                return null;
            });
        } catch (StorageException e) {
            failure = e;
        }
        String batchId = "batchresponse_" + UUID.randomUUID();
        String changeId = "changesetresponse_" + UUID.randomUUID();
        StringBuilder sb = new StringBuilder();
        sb.append("--").append(batchId).append("\r\nContent-Type: multipart/mixed; boundary=").append(changeId).append("\r\n\r\n");
        if (failure != null) {
            ObjectNode err = Json.MAPPER.createObjectNode();
            ObjectNode inner = err.putObject("odata.error");
            inner.put("code", failure.code());
            ObjectNode msg = inner.putObject("message");
            msg.put("lang", "en-US");
            msg.put("value", failedAt[0] + ":" + failure.getMessage());
            part(sb, changeId, failure.status(), Map.of("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"), err.toString());
        } else {
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                Entity e = results.get(i);
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("X-Content-Type-Options", "nosniff");
                headers.put("Cache-Control", "no-cache");
                headers.put("DataServiceVersion", "3.0;");
                if (e != null) headers.put("ETag", e.etag());
                if (op.method().equals("POST") && !noContent(op)) {
                    headers.put("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8");
                    ObjectNode o = EntityJson.write(e, EntityJson.Metadata.MINIMAL, TableApi.baseUrl(r), op.table(), null);
                    part(sb, changeId, 201, headers, o.toString());
                } else {
                    if (op.method().equals("POST")) headers.put("Preference-Applied", "return-no-content");
                    part(sb, changeId, 204, headers, null);
                }
            }
        }
        sb.append("--").append(changeId).append("--\r\n--").append(batchId).append("--\r\n");
        resp.status(202).body("multipart/mixed; boundary=" + batchId, sb.toString());
    }

    private static boolean noContent(Op op) {
        String prefer = op.headers().get("prefer");
        return prefer != null && prefer.contains("return-no-content");
    }

    private static void part(StringBuilder sb, String changeId, int status, Map<String, String> headers, String body) {
        sb.append("--").append(changeId).append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        sb.append("HTTP/1.1 ").append(status).append(' ').append(HttpStatus.reason(status)).append("\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        if (body != null) sb.append(body).append("\r\n");
    }

    private static String boundary(String contentType) {
        if (contentType == null) throw StorageException.badRequest("InvalidInput", "A batch needs a multipart/mixed Content-Type with a boundary.");
        Matcher m = BOUNDARY.matcher(contentType);
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("multipart/mixed") || !m.find()) {
            throw StorageException.badRequest("InvalidInput", "A batch needs a multipart/mixed Content-Type with a boundary.");
        }
        return m.group(1);
    }

    private List<Op> parse(String body, String batchBoundary, String account) {
        List<Op> ops = new ArrayList<>();
        for (String part : parts(body, batchBoundary)) {
            int blank = headerEnd(part);
            String headers = part.substring(0, blank);
            String content = part.substring(blank).replaceFirst("^(\r?\n){1,2}", "");
            Matcher m = BOUNDARY.matcher(headers);
            if (!m.find()) throw StorageException.badRequest("InvalidInput", "Only change sets are supported inside a batch.");
            for (String req : parts(content, m.group(1))) ops.add(operation(req, account));
        }
        if (ops.isEmpty()) throw StorageException.badRequest("InvalidInput", "The batch contains no operations.");
        return ops;
    }

    private static List<String> parts(String body, String boundary) {
        String delimiter = "--" + boundary;
        List<String> out = new ArrayList<>();
        String[] pieces = body.split(Pattern.quote(delimiter), -1);
        for (int i = 1; i < pieces.length; i++) {
            String p = pieces[i];
            if (p.startsWith("--")) break;
            out.add(p.replaceFirst("^\r?\n", ""));
        }
        return out;
    }

    private static int headerEnd(String s) {
        int crlf = s.indexOf("\r\n\r\n");
        int lf = s.indexOf("\n\n");
        if (crlf < 0 && lf < 0) throw StorageException.badRequest("InvalidInput", "A batch part has no header terminator.");
        if (crlf < 0) return lf;
        if (lf < 0) return crlf;
        return Math.min(crlf, lf);
    }

    private Op operation(String part, String account) {
        int blank = headerEnd(part);
        String http = part.substring(blank).replaceFirst("^(\r?\n){1,2}", "");
        int end = headerEnd(http + "\r\n\r\n");
        String head = http.substring(0, Math.min(end, http.length()));
        String body = end < http.length() ? http.substring(end).trim() : "";
        String[] lines = head.split("\r?\n");
        String[] requestLine = lines[0].trim().split(" ");
        if (requestLine.length < 2) throw StorageException.badRequest("InvalidInput", "A batch operation has no request line.");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String method = requestLine[0].toUpperCase(Locale.ROOT);
        if (method.equals("POST") && headers.containsKey("x-http-method")) method = headers.get("x-http-method").toUpperCase(Locale.ROOT);
        String path;
        try {
            String rawPath = new URI(requestLine[1]).getRawPath();
            path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw StorageException.badRequest("InvalidInput", "A batch operation has an invalid URL.");
        }
        String prefix = "/" + account + "/";
        if (!path.startsWith(prefix)) throw StorageException.badRequest("InvalidInput", "A batch operation must address the same account.");
        String resource = path.substring(prefix.length());
        JsonNode json = body.isEmpty() ? Json.MAPPER.createObjectNode() : EntityJson.parse(body.getBytes(StandardCharsets.UTF_8));
        Matcher e = TableApi.ENTITY_PATH.matcher(resource);
        if (e.matches()) {
            String pk = EntityJson.key("PartitionKey", e.group(2).replace("''", "'"));
            String rk = EntityJson.key("RowKey", e.group(3).replace("''", "'"));
            if (!method.equals("DELETE")) TableApi.checkBodyKeys(json, pk, rk);
            return new Op(method, Names.table(e.group(1)), pk, rk, headers, json);
        }
        Matcher t = TABLE_ONLY.matcher(resource);
        if (t.matches() && method.equals("POST")) {
            return new Op(method, Names.table(t.group(1)), text(json, "PartitionKey"), text(json, "RowKey"), headers, json);
        }
        throw StorageException.badRequest("InvalidInput", "Unsupported operation " + method + " " + resource + " in a batch.");
    }

    private static void validate(List<Op> ops, Access access) {
        if (ops.size() > MAX_OPS) throw StorageException.badRequest("InvalidInput", "A batch may contain at most 100 operations.");
        String table = ops.getFirst().table().toLowerCase(Locale.ROOT);
        String pk = ops.getFirst().pk();
        Set<String> seen = new HashSet<>();
        for (Op op : ops) {
            if (!op.table().toLowerCase(Locale.ROOT).equals(table)) throw StorageException.badRequest("InvalidInput", "All operations of a batch must address one table.");
            if (pk == null || !pk.equals(op.pk())) {
                throw StorageException.badRequest("CommandsInBatchActedOnDifferentPartitions", "All commands in a batch must operate on same entity group.");
            }
            if (!seen.add(op.rk())) throw StorageException.badRequest("InvalidDuplicateRow", "The batch request contains multiple changes with same row key. An entity can appear only once in a batch request.");
            access.requireEntity(op.pk(), op.rk());
            switch (op.method()) {
                case "POST" -> access.require('o', 'a', table, null);
                case "DELETE" -> access.require('o', 'd', table, null);
                default -> {
                    access.require('o', 'u', table, null);
                    if (op.headers().get("if-match") == null) access.require('o', 'a', table, null);
                }
            }
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
