package org.vmrole.api.http;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON schemas of the records routes read and answer, found by reflection on the records themselves, so the OpenAPI
 * document shows exactly what Jackson reads and writes. Records become named components ({@code #/components/schemas/X});
 * a request record refuses other properties, as {@link RequestJson} does.
 */
final class JsonSchemas {
    private final Map<String, Object> components = new TreeMap<>();

    Map<String, Object> components() {
        return components;
    }

    /** The schema of a request body: like {@link #of}, with unknown properties refused. */
    Map<String, Object> request(Class<?> type) {
        Map<String, Object> ref = of(type);
        @SuppressWarnings("unchecked")
        Map<String, Object> schema = (Map<String, Object>) components.get(type.getSimpleName());
        if (schema != null) schema.put("additionalProperties", false);
        return ref;
    }

    /** The schema of a Java type: a $ref for a record, inline for anything else. */
    Map<String, Object> of(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            if (Collection.class.isAssignableFrom(raw)) return Map.of("type", "array", "items", of(p.getActualTypeArguments()[0]));
            if (Map.class.isAssignableFrom(raw)) return Map.of("type", "object", "additionalProperties", of(p.getActualTypeArguments()[1]));
            return of(raw);
        }
        if (!(type instanceof Class<?> c)) return Map.of();
        if (c == String.class) return Map.of("type", "string");
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) return Map.of("type", "integer");
        if (c == double.class || c == Double.class || c == float.class || c == Float.class) return Map.of("type", "number");
        if (c == boolean.class || c == Boolean.class) return Map.of("type", "boolean");
        if (c == Instant.class) return Map.of("type", "string", "format", "date-time");
        if (c.isEnum()) return Map.of("type", "string", "enum", List.of(c.getEnumConstants()).stream().map(Object::toString).toList());
        if (c.isArray()) return Map.of("type", "array", "items", of(c.getComponentType()));
        if (c.isRecord()) {
            String name = c.getSimpleName();
            if (!components.containsKey(name)) {
                Map<String, Object> properties = new LinkedHashMap<>();
                Map<String, Object> schema = new LinkedHashMap<>();
                schema.put("type", "object");
                schema.put("properties", properties);
                components.put(name, schema);
                for (RecordComponent rc : c.getRecordComponents()) properties.put(rc.getName(), of(rc.getGenericType()));
            }
            return Map.of("$ref", "#/components/schemas/" + name);
        }
        return Map.of();
    }

    /** An object with one array property, as list answers are ({@code {"services": [...]}}). */
    Map<String, Object> listOf(String field, Class<?> item) {
        return Map.of("type", "object", "properties", Map.of(field, Map.of("type", "array", "items", of(item))));
    }
}
