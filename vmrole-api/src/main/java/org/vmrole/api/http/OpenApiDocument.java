package org.vmrole.api.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the OpenAPI 3 document from the same route list the server registers, so the two cannot drift. */
public final class OpenApiDocument {
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");

    private OpenApiDocument() {}

    public static Map<String, Object> of(String title, String version, List<Route> routes) {
        Map<String, Object> paths = new TreeMap<>();
        JsonSchemas schemas = new JsonSchemas();
        for (Route r : routes) {
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(r.path(), p -> new LinkedHashMap<>());
            Map<String, Object> op = new LinkedHashMap<>();
            op.put("summary", r.summary());
            op.put("operationId", operationId(r));
            List<Map<String, Object>> params = PARAM.matcher(r.path()).results()
                    .map(m -> Map.<String, Object>of("name", m.group(1), "in", "path", "required", true, "schema", Map.of("type", "string")))
                    .toList();
            if (!params.isEmpty()) op.put("parameters", params);
            if (r.access() != Access.PUBLIC) op.put("security", List.of(Map.of(r.access() == Access.HOST ? "hostToken" : "bearer", List.of())));
            if (r.body() != null) {
                op.put("requestBody", Map.of("required", !r.bodyOptional(), "content", Map.of("application/json", Map.of("schema", schemas.request(r.body())))));
            }
            Map<String, Object> responses = new LinkedHashMap<>();
            Map<String, Object> success = new LinkedHashMap<>();
            success.put("description", "success");
            if (r.answer() != null) {
                Map<String, Object> schema = r.answer().listField() == null ? schemas.of(r.answer().type()) : schemas.listOf(r.answer().listField(), r.answer().type());
                success.put("content", Map.of("application/json", Map.of("schema", schema)));
            }
            responses.put(String.valueOf(r.successStatus()), success);
            responses.put("4XX", Map.of("description", "the request was wrong; see error.code and error.message",
                    "content", Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error")))));
            op.put("responses", responses);
            if (r.access() == Access.ADMIN) op.put("x-vmrole-access", "administrator");
            item.put(r.method().name().toLowerCase(Locale.ROOT), op);
        }
        Map<String, Object> errorSchema = Map.of("type", "object", "required", List.of("error"), "properties", Map.of("error",
                Map.of("type", "object", "properties", Map.of(
                        "code", Map.of("type", "string"), "message", Map.of("type", "string"), "target", Map.of("type", "string")))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", Map.of("title", title, "version", version));
        doc.put("paths", paths);
        doc.put("components", Map.of(
                "schemas", withError(schemas.components(), errorSchema),
                "securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer", "description", "an API key"),
                        "hostToken", Map.of("type", "http", "scheme", "bearer", "description", "a host join token"))));
        return doc;
    }

    private static Map<String, Object> withError(Map<String, Object> components, Map<String, Object> error) {
        Map<String, Object> all = new TreeMap<>(components);
        all.put("Error", error);
        return all;
    }

    private static String operationId(Route r) {
        StringBuilder b = new StringBuilder(r.method().name().toLowerCase(Locale.ROOT));
        Matcher m = Pattern.compile("[A-Za-z0-9]+").matcher(r.path().replaceAll("\\{[^}]+}", "by"));
        while (m.find()) b.append(Character.toUpperCase(m.group().charAt(0))).append(m.group().substring(1));
        return b.toString();
    }
}
