package org.vmrole.image.contents;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** /etc/os-release (os-release(5)): shell-style KEY=value lines, values maybe quoted. */
final class OsRelease {
    private OsRelease() {
    }

    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String raw : text.lines().toList()) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq < 1) continue;
            out.put(line.substring(0, eq), unquote(line.substring(eq + 1)));
        }
        return out;
    }

    static Optional<String> prettyName(String text) {
        Map<String, String> m = parse(text);
        String name = m.getOrDefault("PRETTY_NAME", m.get("NAME"));
        return Optional.ofNullable(name).filter(n -> !n.isBlank());
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            String inner = v.substring(1, v.length() - 1);
            return v.charAt(0) == '"' ? inner.replaceAll("\\\\([\"\\\\$`])", "$1") : inner;
        }
        return v;
    }
}
