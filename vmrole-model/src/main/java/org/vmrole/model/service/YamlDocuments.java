package org.vmrole.model.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a small YAML document into {@link YamlNode}s with the line and column of every value; duplicate keys are problems. */
final class YamlDocuments {
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1024 * 1024).build())
            .build();

    private YamlDocuments() {}

    static YamlNode read(String file, InputStream in, List<Problem> problems) {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                problems.add(Problem.error(SourceLocation.ofFile(file), "the file is empty; expected a YAML service description (see examples/)"));
                return null;
            }
            return value(file, p, problems);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            SourceLocation where = loc == null ? SourceLocation.ofFile(file) : new SourceLocation(file, loc.getLineNr(), loc.getColumnNr());
            problems.add(Problem.error(where, "malformed YAML: " + summary(e.getOriginalMessage()) + ". Fix the YAML syntax (often the indentation) at this place"));
            return null;
        } catch (IOException e) {
            problems.add(Problem.error(SourceLocation.ofFile(file), "could not read the file: " + e.getMessage()));
            return null;
        }
    }

    /** SnakeYAML's message minus its indented source excerpts and "in 'reader'" lines, which the location already gives. */
    private static String summary(String message) {
        if (message == null) return "unreadable document";
        return String.join("; ", message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).map(String::trim).toList());
    }

    private static YamlNode value(String file, JsonParser p, List<Problem> problems) throws IOException {
        SourceLocation where = at(file, p);
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode> entries = new LinkedHashMap<>();
            Map<String, SourceLocation> keys = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                SourceLocation keyAt = at(file, p);
                p.nextToken();
                YamlNode v = value(file, p, problems);
                if (entries.containsKey(key)) {
                    problems.add(Problem.error(keyAt, "key '" + key + "' appears twice in the same map (first at " + keys.get(key) + "). Remove one of them"));
                    continue;
                }
                entries.put(key, v);
                keys.put(key, keyAt);
            }
            return new YamlNode.Mapping(entries, keys, where);
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) items.add(value(file, p, problems));
            return new YamlNode.Sequence(items, where);
        }
        if (t == JsonToken.VALUE_NULL) return new YamlNode.Scalar(null, where);
        return new YamlNode.Scalar(p.getText(), where);
    }

    private static SourceLocation at(String file, JsonParser p) {
        var loc = p.currentTokenLocation();
        return new SourceLocation(file, loc.getLineNr(), loc.getColumnNr());
    }
}
