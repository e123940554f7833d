package org.vmrole.model.service;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parsed YAML value with the place it starts: a scalar (text, or null), a list, or a map with ordered keys. */
sealed interface YamlNode {
    SourceLocation where();

    /** What the node is, for messages: "a list", "a map", "text". */
    String kind();

    record Scalar(String text, SourceLocation where) implements YamlNode {
        public String kind() { return text == null ? "empty" : "text"; }
    }

    record Sequence(List<YamlNode> items, SourceLocation where) implements YamlNode {
        public String kind() { return "a list"; }
    }

    record Mapping(Map<String, YamlNode> entries, Map<String, SourceLocation> keyPlaces, SourceLocation where) implements YamlNode {
        public Mapping {
            entries = new LinkedHashMap<>(entries);
            keyPlaces = new LinkedHashMap<>(keyPlaces);
        }

        public String kind() { return "a map"; }

        YamlNode get(String key) { return entries.get(key); }
    }
}
