package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tag expression, as Find Blobs by Tags ({@code where=}) and the {@code x-ms-if-tags} condition take it:
 * {@code "key" = 'value' AND @container = 'c'}, comparisons = <> > >= < <= of strings. A small grammar of its own,
 * parsed by hand (recursive descent): no library speaks it. Find Blobs by Tags allows AND and no &lt;&gt; or OR.
 */
public final class TagFilter {
    /** One comparison of a tag (or, with key {@code @container}, the container's name) with a value. */
    record Comparison(String key, String op, String value) {
        boolean matches(String container, Map<String, String> tags) {
            String actual = key.equals("@container") ? container : tags.get(key);
            if (actual == null) return false;
            int c = actual.compareTo(value);
            return switch (op) {
                case "=" -> c == 0;
                case "<>" -> c != 0;
                case ">" -> c > 0;
                case ">=" -> c >= 0;
                case "<" -> c < 0;
                default -> c <= 0;
            };
        }
    }

    private sealed interface Node permits Cmp, All, Any {}

    private record Cmp(Comparison comparison) implements Node {}

    private record All(List<Node> parts) implements Node {}

    private record Any(List<Node> parts) implements Node {}

    private final Node root;
    private final List<Comparison> comparisons;

    private TagFilter(Node root, List<Comparison> comparisons) {
        this.root = root;
        this.comparisons = comparisons;
    }

    /** The {@code where=} of Find Blobs by Tags. */
    public static TagFilter where(String text) {
        return parse(text, true, "where");
    }

    /** The {@code x-ms-if-tags} condition of a blob operation; null when absent. */
    public static TagFilter condition(String text) {
        return text == null ? null : parse(text, false, "x-ms-if-tags");
    }

    private static TagFilter parse(String text, boolean find, String what) {
        if (text == null || text.isBlank()) throw error(what, text, 0, "the expression is empty");
        Parser p = new Parser(text, find, what);
        Node root = p.any();
        p.skipSpace();
        if (p.pos < text.length()) throw error(what, text, p.pos, "unexpected text");
        if (p.comparisons.size() > 10) throw error(what, text, 0, "at most 10 comparisons");
        return new TagFilter(root, List.copyOf(p.comparisons));
    }

    public boolean matches(String container, Map<String, String> tags) {
        return eval(root, container, tags);
    }

    /** The blob's tags this filter names, as Find Blobs by Tags answers them. */
    public Map<String, String> named(Map<String, String> tags) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Comparison c : comparisons) if (tags.containsKey(c.key())) out.put(c.key(), tags.get(c.key()));
        return out;
    }

    /** Refuses an operation on a blob whose tags do not satisfy the condition (412, as Azure). */
    static void check(TagFilter condition, String container, Map<String, String> tags) {
        if (condition != null && !condition.matches(container, tags)) {
            throw new StorageException(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
        }
    }

    private static boolean eval(Node n, String container, Map<String, String> tags) {
        return switch (n) {
            case Cmp c -> c.comparison().matches(container, tags);
            case All a -> a.parts().stream().allMatch(p -> eval(p, container, tags));
            case Any a -> a.parts().stream().anyMatch(p -> eval(p, container, tags));
        };
    }

    private static StorageException error(String what, String text, int at, String why) {
        return StorageException.badRequest(what.equals("where") ? "InvalidQueryParameterValue" : "InvalidHeaderValue",
                "Error parsing " + what + " at or near character position " + at + ": " + why + ". Expression: " + text
                        + ". Write comparisons like \"key\" = 'value' joined by AND.");
    }

    private static final class Parser {
        private final String s;
        private final boolean find;
        private final String what;
        private final List<Comparison> comparisons = new ArrayList<>();
        private int pos;

        Parser(String s, boolean find, String what) {
            this.s = s;
            this.find = find;
            this.what = what;
        }

        Node any() {
            List<Node> parts = new ArrayList<>(List.of(all()));
            while (keyword("OR")) {
                if (find) throw error(what, s, pos, "OR is not supported by Find Blobs by Tags");
                parts.add(all());
            }
            return parts.size() == 1 ? parts.get(0) : new Any(parts);
        }

        Node all() {
            List<Node> parts = new ArrayList<>(List.of(primary()));
            while (keyword("AND")) parts.add(primary());
            return parts.size() == 1 ? parts.get(0) : new All(parts);
        }

        Node primary() {
            skipSpace();
            if (peek() == '(') {
                pos++;
                Node inner = any();
                skipSpace();
                if (peek() != ')') throw error(what, s, pos, "a ')' is missing");
                pos++;
                return inner;
            }
            String key = key();
            skipSpace();
            String op = op();
            if (find && op.equals("<>")) throw error(what, s, pos, "<> is not supported by Find Blobs by Tags");
            if (key.equals("@container") && !op.equals("=")) throw error(what, s, pos, "@container can only be compared with =");
            if (key.equals("@container") && !find) throw error(what, s, pos, "@container is not allowed in a condition");
            skipSpace();
            Comparison c = new Comparison(key, op, quoted('\'', "value"));
            comparisons.add(c);
            return new Cmp(c);
        }

        private String key() {
            char c = peek();
            if (c == '"') return quoted('"', "key");
            int start = pos;
            if (c == '@') pos++;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
            if (pos == start || (c == '@' && pos == start + 1)) throw error(what, s, start, "a tag key is expected");
            String key = s.substring(start, pos);
            if (c == '@' && !key.equals("@container")) throw error(what, s, start, "the only @ name is @container");
            return key;
        }

        private String op() {
            for (String op : new String[]{"<>", ">=", "<=", "=", ">", "<"}) {
                if (s.startsWith(op, pos)) {
                    pos += op.length();
                    return op;
                }
            }
            throw error(what, s, pos, "a comparison (= > >= < <=) is expected");
        }

        private String quoted(char quote, String thing) {
            if (peek() != quote) throw error(what, s, pos, "a " + thing + " in " + quote + "quotes" + quote + " is expected");
            int end = s.indexOf(quote, pos + 1);
            if (end < 0) throw error(what, s, pos, "the " + thing + " has no closing quote");
            String v = s.substring(pos + 1, end);
            pos = end + 1;
            return v;
        }

        private boolean keyword(String word) {
            skipSpace();
            if (s.regionMatches(true, pos, word, 0, word.length())
                    && (pos + word.length() == s.length() || !Character.isLetterOrDigit(s.charAt(pos + word.length())))) {
                pos += word.length();
                return true;
            }
            return false;
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }
    }
}
