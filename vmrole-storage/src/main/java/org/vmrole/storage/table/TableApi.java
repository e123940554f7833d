package org.vmrole.storage.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.auth.SignedIdentifiers;
import org.vmrole.storage.http.Json;
import org.vmrole.storage.http.ServiceApi;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.store.ServiceProperties;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Table service's REST surface (OData JSON). */
public final class TableApi implements ServiceApi {
    static final Pattern ENTITY_PATH = Pattern.compile("([A-Za-z][A-Za-z0-9]*)\\(PartitionKey='(.*)',\\s*RowKey='(.*)'\\)");
    private static final Pattern TABLE_PATH = Pattern.compile("([A-Za-z][A-Za-z0-9]*)(\\(\\))?");
    private static final Pattern TABLES_NAMED = Pattern.compile("Tables\\('(.*)'\\)");
    private static final int MAX_BODY = 4 * 1024 * 1024;
    static final String JSON_TYPE = "application/json;odata=%s;streaming=true;charset=utf-8";

    private final TableStore store;
    private final TableBatch batch;

    public TableApi(TableStore store) {
        this.store = store;
        this.batch = new TableBatch(store, this);
    }

    @Override
    public ErrorFormat errorFormat() { return ErrorFormat.JSON; }

    @Override
    public ServiceProperties properties() { return store.serviceProperties(); }

    @Override
    public void handle(StorageRequest r, Access access, StorageResponse resp) throws IOException {
        String path = r.resourcePath();
        String method = effectiveMethod(r);
        String account = r.account();
        resp.header("DataServiceVersion", "3.0;").header("X-Content-Type-Options", "nosniff");
        Matcher m;
        if (path.equals("Tables") || path.equals("Tables()")) {
            switch (method) {
                case "GET" -> {
                    access.require('s', 'l', null, null);
                    listTables(r, resp, account);
                }
                case "POST" -> {
                    access.require('s', 'c', null, null);
                    createTable(r, resp, account);
                }
                default -> throw unsupported();
            }
        } else if ((m = TABLES_NAMED.matcher(path)).matches()) {
            String table = Names.table(m.group(1).replace("''", "'"));
            if (method.equals("DELETE")) {
                access.require('s', 'd', null, null);
                store.deleteTable(account, table);
                resp.empty(204);
            } else if (method.equals("GET")) {
                access.require('s', 'l', null, null);
                store.transaction(c -> store.requireTable(c, account, table));
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("odata.metadata", baseUrl(r) + "/$metadata#Tables/@Element");
                o.put("TableName", table);
                json(resp, 200, r, o);
            } else {
                throw unsupported();
            }
        } else if (path.equals("$batch")) {
            if (!method.equals("POST")) throw unsupported();
            batch.execute(r, access, resp);
        } else if ((m = ENTITY_PATH.matcher(path)).matches()) {
            String table = Names.table(m.group(1));
            String pk = EntityJson.key("PartitionKey", m.group(2).replace("''", "'"));
            String rk = EntityJson.key("RowKey", m.group(3).replace("''", "'"));
            access.requireEntity(pk, rk);
            entityOp(r, access, resp, account, table, pk, rk, method);
        } else if ((m = TABLE_PATH.matcher(path)).matches()) {
            String table = Names.table(m.group(1));
            if ("acl".equals(r.param("comp"))) {
                acl(r, access, resp, account, table, method);
                return;
            }
            switch (method) {
                case "GET" -> {
                    access.require('o', 'r', table.toLowerCase(Locale.ROOT), null);
                    query(r, resp, account, table, access);
                }
                case "POST" -> {
                    access.require('o', 'a', table.toLowerCase(Locale.ROOT), null);
                    JsonNode body = EntityJson.parse(r.body().readNBytes(MAX_BODY));
                    access.requireEntity(text(body, "PartitionKey"), text(body, "RowKey"));
                    Entity e = insert(account, table, body);
                    entityResponse(r, resp, e, table, 201);
                }
                default -> throw unsupported();
            }
        } else {
            throw StorageException.badRequest("InvalidUri", "The requested URI does not represent any resource on the server.");
        }
    }

    /** Get/Set Table ACL: the table's stored access policies, as XML like Blob and Queue. */
    private void acl(StorageRequest r, Access access, StorageResponse resp, String account, String table, String method) throws IOException {
        access.require('s', method.equals("GET") ? 'r' : 'w', null, null);
        switch (method) {
            case "GET", "HEAD" -> {
                store.transaction(c -> store.requireTable(c, account, table));
                resp.status(200).body("application/xml", SignedIdentifiers.parse(store.acl(account, table).orElse(null)).toXml());
            }
            case "PUT" -> {
                store.setAcl(account, table, SignedIdentifiers.read(r.body()).stored());
                resp.empty(204);
            }
            default -> throw unsupported();
        }
    }

    static String effectiveMethod(StorageRequest r) {
        String override = r.header("X-HTTP-Method");
        return r.method().equals("POST") && override != null ? override.toUpperCase(Locale.ROOT) : r.method();
    }

    Entity insert(String account, String table, JsonNode body) {
        String pk = EntityJson.key("PartitionKey", text(body, "PartitionKey"));
        String rk = EntityJson.key("RowKey", text(body, "RowKey"));
        Map<String, Prop> props = EntityJson.properties(body);
        return store.transaction(c -> store.write(c, account, table, TableStore.Mode.INSERT, pk, rk, props, null));
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw StorageException.badRequest("InvalidInput", field + " must be a string.");
        return n.asText();
    }

    private void entityOp(StorageRequest r, Access access, StorageResponse resp, String account, String table, String pk, String rk, String method) throws IOException {
        String scope = table.toLowerCase(Locale.ROOT);
        switch (method) {
            case "GET" -> {
                access.require('o', 'r', scope, null);
                Entity e = store.get(account, table, pk, rk);
                resp.header("ETag", e.etag());
                ObjectNode o = EntityJson.write(e, metadata(r), baseUrl(r), table, select(r));
                if (metadata(r) != EntityJson.Metadata.NONE) o.put("odata.metadata", baseUrl(r) + "/$metadata#" + table + "/@Element");
                json(resp, 200, r, reorder(o));
            }
            case "PUT", "MERGE", "PATCH" -> {
                String ifMatch = r.header("If-Match");
                access.require('o', 'u', scope, null);
                if (ifMatch == null) access.require('o', 'a', scope, null);
                JsonNode body = EntityJson.parse(r.body().readNBytes(MAX_BODY));
                checkBodyKeys(body, pk, rk);
                Map<String, Prop> props = EntityJson.properties(body);
                TableStore.Mode mode = method.equals("PUT") ? TableStore.Mode.REPLACE : TableStore.Mode.MERGE;
                Entity e = store.transaction(c -> store.write(c, account, table, mode, pk, rk, props, ifMatch));
                resp.header("ETag", e.etag()).empty(204);
            }
            case "DELETE" -> {
                access.require('o', 'd', scope, null);
                String ifMatch = r.header("If-Match");
                if (ifMatch == null) throw new StorageException(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: If-Match.");
                store.transaction(c -> {
                    store.delete(c, account, table, pk, rk, ifMatch);
                    return null;
                });
                resp.empty(204);
            }
            default -> throw unsupported();
        }
    }

    static void checkBodyKeys(JsonNode body, String pk, String rk) {
        JsonNode bpk = body.get("PartitionKey");
        JsonNode brk = body.get("RowKey");
        if ((bpk != null && !bpk.isNull() && !bpk.asText().equals(pk)) || (brk != null && !brk.isNull() && !brk.asText().equals(rk))) {
            throw StorageException.badRequest("PropertiesNeedValue", "The keys in the body do not match the keys in the URL.");
        }
    }

    void entityResponse(StorageRequest r, StorageResponse resp, Entity e, String table, int status) {
        resp.header("ETag", e.etag());
        if (returnNoContent(r)) {
            resp.header("Preference-Applied", "return-no-content").empty(204);
            return;
        }
        ObjectNode o = EntityJson.write(e, metadata(r), baseUrl(r), table, null);
        if (metadata(r) != EntityJson.Metadata.NONE) o.put("odata.metadata", baseUrl(r) + "/$metadata#" + table + "/@Element");
        resp.header("Preference-Applied", r.header("Prefer") == null ? null : "return-content");
        json(resp, status, r, reorder(o));
    }

    static boolean returnNoContent(StorageRequest r) {
        String prefer = r.header("Prefer");
        return prefer != null && prefer.contains("return-no-content");
    }

    private static ObjectNode reorder(ObjectNode o) {
        if (!o.has("odata.metadata")) return o;
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("odata.metadata", o.get("odata.metadata"));
        o.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("odata.metadata")) out.set(f.getKey(), f.getValue());
        });
        return out;
    }

    private void createTable(StorageRequest r, StorageResponse resp, String account) throws IOException {
        JsonNode body = EntityJson.parse(r.body().readNBytes(MAX_BODY));
        String name = Names.table(text(body, "TableName"));
        store.createTable(account, name);
        if (returnNoContent(r)) {
            resp.header("Preference-Applied", "return-no-content").empty(204);
            return;
        }
        ObjectNode o = Json.MAPPER.createObjectNode();
        EntityJson.Metadata md = metadata(r);
        if (md != EntityJson.Metadata.NONE) o.put("odata.metadata", baseUrl(r) + "/$metadata#Tables/@Element");
        if (md == EntityJson.Metadata.FULL) {
            o.put("odata.type", r.account() + ".Tables");
            o.put("odata.id", baseUrl(r) + "/Tables('" + name + "')");
            o.put("odata.editLink", "Tables('" + name + "')");
        }
        o.put("TableName", name);
        json(resp, 201, r, o);
    }

    private void listTables(StorageRequest r, StorageResponse resp, String account) {
        int top = top(r);
        Filter.Compiled filter = Filter.compile(r.param("$filter"));
        String from = decodeToken(r.param("NextTableName"));
        ArrayNode values = Json.MAPPER.createArrayNode();
        String next = null;
        String cursor = from;
        int count = 0;
        outer:
        while (true) {
            List<String> names = store.listTables(account, cursor, 1000);
            for (int i = 0; i < Math.min(names.size(), 1000); i++) {
                String name = names.get(i);
                Entity asEntity = new Entity("", "", 0, "", Map.of("TableName", new Prop(Prop.STRING, name)));
                if (!filter.predicate().test(asEntity)) continue;
                if (count == top) {
                    next = name;
                    break outer;
                }
                ObjectNode o = values.addObject();
                if (metadata(r) == EntityJson.Metadata.FULL) {
                    o.put("odata.type", account + ".Tables");
                    o.put("odata.id", baseUrl(r) + "/Tables('" + name + "')");
                    o.put("odata.editLink", "Tables('" + name + "')");
                }
                o.put("TableName", name);
                count++;
            }
            if (names.size() <= 1000) break;
            cursor = names.get(1000);
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (metadata(r) != EntityJson.Metadata.NONE) root.put("odata.metadata", baseUrl(r) + "/$metadata#Tables");
        root.set("value", values);
        if (next != null) resp.header("x-ms-continuation-NextTableName", encodeToken(next));
        json(resp, 200, r, root);
    }

    private void query(StorageRequest r, StorageResponse resp, String account, String table, Access access) {
        int top = top(r);
        Filter.Compiled parsed = Filter.compile(r.param("$filter"));
        Filter.Compiled filter = new Filter.Compiled(e -> access.mayRead(e.partitionKey(), e.rowKey()) && parsed.predicate().test(e), parsed.keys());
        String pk = decodeToken(r.param("NextPartitionKey"));
        String rk = decodeToken(r.param("NextRowKey"));
        TableStore.Page page = store.query(account, table, filter, pk, rk, top);
        Set<String> select = select(r);
        EntityJson.Metadata md = metadata(r);
        String base = baseUrl(r);
        ArrayNode values = Json.MAPPER.createArrayNode();
        for (Entity e : page.entities()) values.add(EntityJson.write(e, md, base, table, select));
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (md != EntityJson.Metadata.NONE) root.put("odata.metadata", base + "/$metadata#" + table + (select == null ? "" : "&$select=" + String.join(",", select)));
        root.set("value", values);
        if (page.nextPartitionKey() != null) {
            resp.header("x-ms-continuation-NextPartitionKey", encodeToken(page.nextPartitionKey()))
                    .header("x-ms-continuation-NextRowKey", encodeToken(page.nextRowKey()));
        }
        json(resp, 200, r, root);
    }

    private static int top(StorageRequest r) {
        String v = r.param("$top");
        if (v == null) return 1000;
        try {
            int n = Integer.parseInt(v);
            if (n < 1 || n > 1000) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw StorageException.badRequest("InvalidInput", "One of the request inputs is not valid: $top must be 1-1000.");
        }
    }

    private static Set<String> select(StorageRequest r) {
        String v = r.param("$select");
        if (v == null || v.isBlank() || v.trim().equals("*")) return null;
        Set<String> out = new LinkedHashSet<>();
        for (String s : v.split(",")) if (!s.isBlank()) out.add(s.trim());
        return out;
    }

    private static String encodeToken(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw StorageException.badRequest("InvalidInput", "One of the request inputs is not valid: continuation token.");
        }
    }

    static EntityJson.Metadata metadata(StorageRequest r) {
        String f = r.param("$format");
        String accept = f != null ? f : r.header("Accept");
        if (accept == null) return EntityJson.Metadata.MINIMAL;
        if (accept.contains("nometadata")) return EntityJson.Metadata.NONE;
        if (accept.contains("fullmetadata")) return EntityJson.Metadata.FULL;
        return EntityJson.Metadata.MINIMAL;
    }

    static String baseUrl(StorageRequest r) {
        String host = r.header("Host");
        return "http://" + (host == null ? "127.0.0.1" : host) + "/" + r.account();
    }

    static void json(StorageResponse resp, int status, StorageRequest r, JsonNode body) {
        String level = switch (metadata(r)) {
            case NONE -> "nometadata";
            case FULL -> "fullmetadata";
            default -> "minimalmetadata";
        };
        resp.status(status).body(String.format(JSON_TYPE, level), body.toString());
    }

    static StorageException unsupported() {
        return StorageException.badRequest("UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.");
    }
}
