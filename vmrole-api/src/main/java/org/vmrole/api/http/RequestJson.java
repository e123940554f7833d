package org.vmrole.api.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.javalin.json.JavalinJackson;
import io.javalin.json.JsonMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import org.vmrole.api.ApiException;

/**
 * The one place request bodies become records. Stricter than the store's JSON: a body of {@code null} is refused
 * (not handed to a route as a null record), and numbers are taken only as what they are: {@code 1.5} is no whole
 * number, {@code 1e400} or {@code true} no string, {@code "3"} no count. Unknown fields are refused by the mapper it
 * is built from. Responses are written unchanged.
 */
public final class RequestJson implements JsonMapper {
    private final JavalinJackson responses;
    private final ObjectMapper requests;

    public RequestJson(ObjectMapper json) {
        this.responses = new JavalinJackson(json, false);
        this.requests = strict(json.copy());
    }

    static ObjectMapper strict(ObjectMapper m) {
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType number : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            m.coercionConfigFor(number)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return m;
    }

    @Override
    public String toJsonString(Object obj, Type type) {
        return responses.toJsonString(obj, type);
    }

    @Override
    public InputStream toJsonStream(Object obj, Type type) {
        return responses.toJsonStream(obj, type);
    }

    @Override
    public void writeToOutputStream(java.util.stream.Stream<?> stream, java.io.OutputStream out) {
        responses.writeToOutputStream(stream, out);
    }

    @Override
    public <T> T fromJsonString(String json, Type type) {
        try {
            return present(requests.readValue(json, requests.constructType(type)));
        } catch (JsonProcessingException e) {
            throw refused(e);
        }
    }

    @Override
    public <T> T fromJsonStream(InputStream json, Type type) {
        try {
            return present(requests.readValue(json, requests.constructType(type)));
        } catch (IOException e) {
            throw e instanceof JsonProcessingException j ? refused(j) : new UncheckedIOException(e);
        }
    }

    /** Names the field that was wrong (as a JSON path, {@code instances[0].state}) and why, without a Java class name. */
    static ApiException refused(JsonProcessingException e) {
        String target = "body";
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
                else if (r.getIndex() >= 0) path.append('[').append(r.getIndex()).append(']');
            }
            if (!path.isEmpty()) target = path.toString();
        }
        String why = switch (e) {
            case UnrecognizedPropertyException u -> "unknown field '" + u.getPropertyName() + "'; this call takes " + u.getKnownPropertyIds();
            case MismatchedInputException m when m.getTargetType() != null -> "expected " + kindOf(m.getTargetType());
            case JsonMappingException m when m.getCause() instanceof IllegalArgumentException || m.getCause() instanceof NullPointerException ->
                    String.valueOf(m.getCause().getMessage());
            default -> e.getOriginalMessage();
        };
        return ApiException.badRequest("InvalidJson", "the request body is not valid JSON for this call at '" + target + "': " + why, target);
    }

    private static String kindOf(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "a whole number (no fraction, no quotes)";
        if (type == Double.class || type == double.class) return "a number";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a string (in quotes)";
        if (type.isEnum()) return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        if (java.util.Collection.class.isAssignableFrom(type)) return "a JSON array";
        return "a JSON object";
    }

    private static <T> T present(T value) {
        if (value == null) throw ApiException.badRequest("InvalidJson", "the request body is JSON null; send a JSON object", "body");
        return value;
    }
}
