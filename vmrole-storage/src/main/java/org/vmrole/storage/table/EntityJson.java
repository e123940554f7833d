package org.vmrole.storage.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Reads entities from OData JSON and writes them back with no, minimal or full metadata; enforces Azure's limits. */
public final class EntityJson {
    public static final DateTimeFormatter EDM_DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final int MAX_PROPERTIES = 252;
    private static final int MAX_KEY_BYTES = 1024;
    private static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final int MAX_ENTITY_BYTES = 1024 * 1024;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter ISO_ANY = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral('T').appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':').appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalEnd().optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .toFormatter().withResolverStyle(ResolverStyle.STRICT).withChronology(IsoChronology.INSTANCE);

    /** How much OData metadata a response carries. */
    public enum Metadata { NONE, MINIMAL, FULL }

    private EntityJson() {}

    public static JsonNode parse(byte[] body) {
        if (body.length > MAX_ENTITY_BYTES + 64 * 1024) {
            throw StorageException.badRequest("EntityTooLarge", "The entity is larger than the maximum allowed size (1MB).");
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.isObject()) throw StorageException.badRequest("InvalidInput", "The request body must be a JSON object.");
            return node;
        } catch (JsonProcessingException e) {
            throw StorageException.badRequest("InvalidInput", "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw StorageException.badRequest("InvalidInput", "The request body could not be read.");
        }
    }

    /** The custom properties of an entity body (keys and Timestamp excluded), validated against Azure's limits. */
    public static Map<String, Prop> properties(JsonNode node) {
        Map<String, Prop> props = new LinkedHashMap<>();
        long size = 4;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.contains("@") || name.startsWith("odata.") || name.equals("PartitionKey") || name.equals("RowKey") || name.equals("Timestamp")) continue;
            if (e.getValue().isNull()) continue;
            checkName(name);
            JsonNode annotation = node.get(name + "@odata.type");
            Prop p = typed(name, e.getValue(), annotation == null ? null : annotation.asText());
            size += 8 + name.length() * 2L + valueSize(p);
            props.put(name, p);
        }
        if (props.size() > MAX_PROPERTIES) {
            throw StorageException.badRequest("TooManyProperties", "The entity contains more properties than allowed (255 including PartitionKey, RowKey and Timestamp).");
        }
        if (size > MAX_ENTITY_BYTES) throw StorageException.badRequest("EntityTooLarge", "The entity is larger than the maximum allowed size (1MB).");
        return props;
    }

    private static void checkName(String name) {
        if (name.length() > 255 || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw StorageException.badRequest("PropertyNameInvalid", "The property name '" + name + "' is invalid.");
        }
    }

    private static long valueSize(Prop p) {
        return switch (p.type()) {
            case Prop.STRING -> ((String) p.value()).length() * 2L + 4;
            case Prop.BINARY -> Base64.getDecoder().decode((String) p.value()).length + 4L;
            case Prop.GUID -> 16;
            default -> 8;
        };
    }

    static Prop typed(String name, JsonNode v, String type) {
        try {
            if (type == null) {
                if (v.isTextual()) return checkedString(name, v.asText());
                if (v.isBoolean()) return new Prop(Prop.BOOLEAN, v.asBoolean());
                if (v.isIntegralNumber() && v.canConvertToInt()) return new Prop(Prop.INT32, v.asInt());
                if (v.isNumber()) return new Prop(Prop.DOUBLE, v.asDouble());
                throw badValue(name);
            }
            return switch (type) {
                case Prop.STRING -> checkedString(name, text(name, v));
                case Prop.INT32 -> {
                    if (!v.isIntegralNumber() || !v.canConvertToInt()) throw badValue(name);
                    yield new Prop(Prop.INT32, v.asInt());
                }
                case Prop.INT64 -> new Prop(Prop.INT64, Long.parseLong(v.isTextual() ? v.asText() : String.valueOf(v.asLong())));
                case Prop.DOUBLE -> new Prop(Prop.DOUBLE, v.isTextual() ? parseDouble(v.asText()) : v.asDouble());
                case Prop.BOOLEAN -> {
                    if (!v.isBoolean()) throw badValue(name);
                    yield new Prop(Prop.BOOLEAN, v.asBoolean());
                }
                case Prop.DATETIME -> new Prop(Prop.DATETIME, EDM_DATETIME.format(parseInstant(text(name, v))));
                case Prop.GUID -> new Prop(Prop.GUID, UUID.fromString(text(name, v)).toString());
                case Prop.BINARY -> {
                    byte[] bytes = Base64.getDecoder().decode(text(name, v));
                    if (bytes.length > MAX_VALUE_BYTES) throw tooLarge(name);
                    yield new Prop(Prop.BINARY, Base64.getEncoder().encodeToString(bytes));
                }
                default -> throw StorageException.badRequest("InvalidInput", "Property '" + name + "' has unknown type " + type + ".");
            };
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw badValue(name);
        }
    }

    /** Any ISO-8601 date-time the SDKs send: 0-9 fractional digits (more are cut at 100 ns), any offset or none (UTC). */
    static Instant parseInstant(String s) {
        TemporalAccessor t = ISO_ANY.parseBest(s.trim(), OffsetDateTime::from, LocalDateTime::from, LocalDate::from);
        Instant at = switch (t) {
            case OffsetDateTime o -> o.toInstant();
            case LocalDateTime l -> l.toInstant(ZoneOffset.UTC);
            case LocalDate d -> d.atStartOfDay().toInstant(ZoneOffset.UTC);
            default -> throw new DateTimeParseException("not a date-time", s, 0);
        };
        return at.minusNanos(at.getNano() % 100);
    }

    private static double parseDouble(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "Infinity", "INF" -> Double.POSITIVE_INFINITY;
            case "-Infinity", "-INF" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    private static String text(String name, JsonNode v) {
        if (!v.isTextual()) throw badValue(name);
        return v.asText();
    }

    private static Prop checkedString(String name, String s) {
        if (s.length() > MAX_VALUE_BYTES / 2) throw tooLarge(name);
        return new Prop(Prop.STRING, s);
    }

    private static StorageException tooLarge(String name) {
        return StorageException.badRequest("PropertyValueTooLarge", "The property value of '" + name + "' exceeds the maximum allowed size (64KB).");
    }

    private static StorageException badValue(String name) {
        return StorageException.badRequest("InvalidInput", "The value of property '" + name + "' does not match its type.");
    }

    /** Validates a PartitionKey or RowKey as Azure does: at most 1 KiB, no / \ # ? or control characters. */
    public static String key(String field, String value) {
        if (value == null) throw StorageException.badRequest("PropertiesNeedValue", "The values are not specified for all properties in the entity: " + field + ".");
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw StorageException.badRequest("KeyValueTooLarge", "The " + field + " is larger than 1 KiB.");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/' || c == '\\' || c == '#' || c == '?' || c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw StorageException.badRequest("OutOfRangeInput", "The " + field + " contains a character that is not allowed (/ \\ # ? or a control character).");
            }
        }
        return value;
    }

    // ---- storage form --------------------------------------------------------------------------

    /** Properties as stored: {"Name":["Edm.Int64", "123"], ...} preserving order. */
    public static String store(Map<String, Prop> props) {
        ObjectNode o = NODES.objectNode();
        props.forEach((k, p) -> {
            ArrayNode a = o.putArray(k);
            a.add(p.type());
            a.add(valueNode(p));
        });
        return o.toString();
    }

    public static Map<String, Prop> load(String stored) {
        try {
            JsonNode o = Json.MAPPER.readTree(stored);
            Map<String, Prop> props = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String type = e.getValue().get(0).asText();
                JsonNode v = e.getValue().get(1);
                props.put(e.getKey(), switch (type) {
                    case Prop.INT32 -> new Prop(type, v.asInt());
                    case Prop.INT64 -> new Prop(type, v.asLong());
                    case Prop.DOUBLE -> new Prop(type, v.isTextual() ? parseDouble(v.asText()) : v.asDouble());
                    case Prop.BOOLEAN -> new Prop(type, v.asBoolean());
                    default -> new Prop(type, v.asText());
                });
            }
            return props;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt entity row: " + e.getMessage(), e);
        }
    }

    private static JsonNode valueNode(Prop p) {
        return switch (p.type()) {
            case Prop.INT32 -> NODES.numberNode((Integer) p.value());
            case Prop.INT64 -> NODES.numberNode((Long) p.value());
            case Prop.DOUBLE -> {
                double d = (Double) p.value();
                yield Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(d > 0 ? "Infinity" : d < 0 ? "-Infinity" : "NaN");
            }
            case Prop.BOOLEAN -> NODES.booleanNode((Boolean) p.value());
            default -> NODES.textNode((String) p.value());
        };
    }

    // ---- wire form -----------------------------------------------------------------------------

    /** The OData JSON of an entity; {@code select} null means all properties. */
    public static ObjectNode write(Entity e, Metadata metadata, String baseUrl, String table, Set<String> select) {
        ObjectNode o = NODES.objectNode();
        if (metadata != Metadata.NONE) {
            if (metadata == Metadata.FULL) {
                String id = baseUrl + "/" + table + "(PartitionKey='" + e.partitionKey().replace("'", "''") + "',RowKey='" + e.rowKey().replace("'", "''") + "')";
                o.put("odata.type", accountName(baseUrl) + "." + table);
                o.put("odata.id", id);
                o.put("odata.etag", e.etag());
                o.put("odata.editLink", id.substring(baseUrl.length() + 1));
            } else {
                o.put("odata.etag", e.etag());
            }
        }
        if (select == null || select.contains("PartitionKey")) o.put("PartitionKey", e.partitionKey());
        if (select == null || select.contains("RowKey")) o.put("RowKey", e.rowKey());
        if (select == null || select.contains("Timestamp")) {
            if (metadata == Metadata.FULL) o.put("Timestamp@odata.type", Prop.DATETIME);
            o.put("Timestamp", EDM_DATETIME.format(Instant.ofEpochMilli(e.timestamp())));
        }
        for (Map.Entry<String, Prop> p : e.properties().entrySet()) {
            if (select != null && !select.contains(p.getKey())) continue;
            String type = p.getValue().type();
            boolean annotate = metadata == Metadata.FULL ? !type.equals(Prop.STRING) && !type.equals(Prop.BOOLEAN)
                    : metadata == Metadata.MINIMAL && List.of(Prop.INT64, Prop.DATETIME, Prop.GUID, Prop.BINARY).contains(type)
                    || metadata == Metadata.MINIMAL && type.equals(Prop.DOUBLE) && !Double.isFinite((Double) p.getValue().value());
            if (annotate) o.put(p.getKey() + "@odata.type", type);
            JsonNode v = p.getValue().type().equals(Prop.INT64) ? NODES.textNode(String.valueOf(p.getValue().value())) : valueNode(p.getValue());
            o.set(p.getKey(), v);
        }
        if (select != null) {
            for (String s : select) if (!o.has(s)) o.putNull(s);
        }
        return o;
    }

    private static String accountName(String baseUrl) {
        return baseUrl.substring(baseUrl.lastIndexOf('/') + 1);
    }

    public static String etag(long timestamp, long seq) {
        String t = EDM_DATETIME.format(Instant.ofEpochMilli(timestamp).plusNanos((seq % 10_000) * 100));
        return "W/\"datetime'" + t.replace(":", "%3A") + "'\"";
    }
}
