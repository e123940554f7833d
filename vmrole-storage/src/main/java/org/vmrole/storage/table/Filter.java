package org.vmrole.storage.table;

import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The OData {@code $filter} subset Azure Tables supports: comparisons (eq ne gt ge lt le) combined with
 * and/or/not over string, int32, int64, double, bool, datetime, guid and binary. Parsed once into a
 * predicate; the PartitionKey/RowKey bounds of its top-level conjunction become an index range.
 */
public final class Filter {
    private static final java.util.regex.Pattern INT64_LITERAL = java.util.regex.Pattern.compile("-?\\d+[lL]");
    private static final java.util.regex.Pattern INT_LITERAL = java.util.regex.Pattern.compile("-?\\d+");
    private static final java.util.regex.Pattern DOUBLE_LITERAL = java.util.regex.Pattern.compile("-?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?[dDmMfF]?");

    /** A parsed filter: the full predicate plus key bounds the store turns into an index range scan. */
    public record Compiled(Predicate<Entity> predicate, KeyRange keys) {}

    /** Inclusive/exclusive string bounds on PartitionKey and RowKey (null = unbounded). */
    public record KeyRange(String pkLow, boolean pkLowIncl, String pkHigh, boolean pkHighIncl,
                           String rkLow, boolean rkLowIncl, String rkHigh, boolean rkHighIncl) {
        public static final KeyRange ALL = new KeyRange(null, true, null, true, null, true, null, true);
    }

    private sealed interface Node permits Cmp, And, Or, Not, Const, BoolProp {}

    private record Cmp(String property, String op, Prop literal) implements Node {}

    private record And(Node l, Node r) implements Node {}

    private record Or(Node l, Node r) implements Node {}

    private record Not(Node n) implements Node {}

    private record Const(boolean value) implements Node {}

    private record BoolProp(String property) implements Node {}

    private final List<String> tokens;
    private int pos;

    private Filter(List<String> tokens) {
        this.tokens = tokens;
    }

    public static Compiled compile(String filter) {
        if (filter == null || filter.isBlank()) return new Compiled(e -> true, KeyRange.ALL);
        Filter f = new Filter(tokenize(filter));
        Node root = f.or();
        if (f.pos != f.tokens.size()) throw invalid("unexpected '" + f.tokens.get(f.pos) + "'");
        return new Compiled(e -> eval(root, e), range(root));
    }

    // ---- parsing ------------------------------------------------------------------------------

    private Node or() {
        Node n = and();
        while (peekKeyword("or")) {
            pos++;
            n = new Or(n, and());
        }
        return n;
    }

    private Node and() {
        Node n = not();
        while (peekKeyword("and")) {
            pos++;
            n = new And(n, not());
        }
        return n;
    }

    private Node not() {
        if (peekKeyword("not")) {
            pos++;
            return new Not(not());
        }
        return primary();
    }

    private Node primary() {
        String t = next();
        if (t.equals("(")) {
            Node n = or();
            if (!next().equals(")")) throw invalid("missing ')'");
            return n;
        }
        if (pos < tokens.size() && isOp(tokens.get(pos))) {
            String op = tokens.get(pos++).toLowerCase(Locale.ROOT);
            String right = next();
            if (isIdentifier(t) && !isLiteral(t)) return new Cmp(t, op, literal(right));
            if (isIdentifier(right) && !isLiteral(right)) return new Cmp(right, flip(op), literal(t));
            throw invalid("a comparison needs a property on one side");
        }
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) return new Const(Boolean.parseBoolean(t.toLowerCase(Locale.ROOT)));
        if (isIdentifier(t)) return new BoolProp(t);
        throw invalid("unexpected '" + t + "'");
    }

    private String next() {
        if (pos >= tokens.size()) throw invalid("unexpected end of filter");
        return tokens.get(pos++);
    }

    private boolean peekKeyword(String k) {
        return pos < tokens.size() && tokens.get(pos).equalsIgnoreCase(k);
    }

    private static boolean isOp(String t) {
        return List.of("eq", "ne", "gt", "ge", "lt", "le").contains(t.toLowerCase(Locale.ROOT));
    }

    private static boolean isIdentifier(String t) {
        return Names.identifier(t);
    }

    private static boolean isLiteral(String t) {
        return t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false");
    }

    private static String flip(String op) {
        return switch (op) {
            case "gt" -> "lt";
            case "ge" -> "le";
            case "lt" -> "gt";
            case "le" -> "ge";
            default -> op;
        };
    }

    private static Prop literal(String t) {
        try {
            if (t.startsWith("'")) return new Prop(Prop.STRING, unquote(t));
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.equals("true") || lower.equals("false")) return new Prop(Prop.BOOLEAN, Boolean.parseBoolean(lower));
            if (lower.startsWith("datetime'")) return new Prop(Prop.DATETIME, EntityJson.EDM_DATETIME.format(EntityJson.parseInstant(unquote(t.substring(8)))));
            if (lower.startsWith("guid'")) return new Prop(Prop.GUID, UUID.fromString(unquote(t.substring(4))).toString());
            if (lower.startsWith("x'")) return new Prop(Prop.BINARY, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(unquote(t.substring(1)))));
            if (lower.startsWith("binary'")) return new Prop(Prop.BINARY, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(unquote(t.substring(6)))));
            if (lower.endsWith("l") && INT64_LITERAL.matcher(t).matches()) return new Prop(Prop.INT64, Long.parseLong(t.substring(0, t.length() - 1)));
            if (INT_LITERAL.matcher(t).matches()) {
                long v = Long.parseLong(t);
                return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? new Prop(Prop.INT32, (int) v) : new Prop(Prop.INT64, v);
            }
            if (DOUBLE_LITERAL.matcher(t).matches()) {
                String num = t.replaceAll("[dDmMfF]$", "");
                return new Prop(Prop.DOUBLE, Double.parseDouble(num));
            }
        } catch (RuntimeException e) {
            throw invalid("bad literal " + t);
        }
        throw invalid("bad literal " + t);
    }

    private static String unquote(String t) {
        if (t.length() < 2 || !t.startsWith("'") || !t.endsWith("'")) throw invalid("unterminated string " + t);
        return t.substring(1, t.length() - 1).replace("''", "'");
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')') {
                out.add(String.valueOf(c));
                i++;
            } else if (c == '\'') {
                int j = i + 1;
                while (true) {
                    if (j >= s.length()) throw invalid("unterminated string");
                    if (s.charAt(j) == '\'') {
                        if (j + 1 < s.length() && s.charAt(j + 1) == '\'') {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                out.add(s.substring(i, j + 1));
                i = j + 1;
            } else {
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '(' && s.charAt(j) != ')' && s.charAt(j) != '\'') j++;
                if (j < s.length() && s.charAt(j) == '\'') {
                    int k = s.indexOf('\'', j + 1);
                    if (k < 0) throw invalid("unterminated literal");
                    out.add(s.substring(i, k + 1));
                    i = k + 1;
                } else {
                    out.add(s.substring(i, j));
                    i = j;
                }
            }
        }
        return out;
    }

    private static StorageException invalid(String why) {
        return StorageException.badRequest("InvalidInput", "One of the request inputs is not valid: $filter " + why + ".");
    }

    // ---- evaluation ---------------------------------------------------------------------------

    private static boolean eval(Node n, Entity e) {
        return switch (n) {
            case And a -> eval(a.l(), e) && eval(a.r(), e);
            case Or o -> eval(o.l(), e) || eval(o.r(), e);
            case Not x -> !eval(x.n(), e);
            case Const c -> c.value();
            case BoolProp b -> {
                Prop p = e.properties().get(b.property());
                yield p != null && p.type().equals(Prop.BOOLEAN) && (Boolean) p.value();
            }
            case Cmp c -> compare(value(e, c.property()), c.op(), c.literal());
        };
    }

    private static Prop value(Entity e, String name) {
        return switch (name) {
            case "PartitionKey" -> new Prop(Prop.STRING, e.partitionKey());
            case "RowKey" -> new Prop(Prop.STRING, e.rowKey());
            case "Timestamp" -> new Prop(Prop.DATETIME, EntityJson.EDM_DATETIME.format(Instant.ofEpochMilli(e.timestamp())));
            default -> e.properties().get(name);
        };
    }

    private static boolean compare(Prop p, String op, Prop lit) {
        if (p == null) return false;
        Integer cmp = order(p, lit);
        if (cmp == null) return false;
        return switch (op) {
            case "eq" -> cmp == 0;
            case "ne" -> cmp != 0;
            case "gt" -> cmp > 0;
            case "ge" -> cmp >= 0;
            case "lt" -> cmp < 0;
            default -> cmp <= 0;
        };
    }

    private static boolean numeric(String type) {
        return type.equals(Prop.INT32) || type.equals(Prop.INT64) || type.equals(Prop.DOUBLE);
    }

    /** Ordering of a property against a literal, or null when their types cannot be compared. */
    private static Integer order(Prop p, Prop lit) {
        if (numeric(p.type()) && numeric(lit.type())) {
            if (p.type().equals(Prop.DOUBLE) || lit.type().equals(Prop.DOUBLE)) {
                return Double.compare(((Number) p.value()).doubleValue(), ((Number) lit.value()).doubleValue());
            }
            return Long.compare(((Number) p.value()).longValue(), ((Number) lit.value()).longValue());
        }
        if (!p.type().equals(lit.type())) return null;
        return switch (p.type()) {
            case Prop.BOOLEAN -> Boolean.compare((Boolean) p.value(), (Boolean) lit.value());
            case Prop.BINARY -> Arrays.compareUnsigned(Base64.getDecoder().decode((String) p.value()), Base64.getDecoder().decode((String) lit.value()));
            case Prop.GUID -> ((String) p.value()).compareToIgnoreCase((String) lit.value());
            default -> ((String) p.value()).compareTo((String) lit.value());
        };
    }

    // ---- key range ----------------------------------------------------------------------------

    private static KeyRange range(Node root) {
        List<Cmp> terms = new ArrayList<>();
        conjuncts(root, terms);
        String pkLow = null, pkHigh = null, rkLow = null, rkHigh = null;
        boolean pkLowIncl = true, pkHighIncl = true, rkLowIncl = true, rkHighIncl = true;
        for (Cmp c : terms) {
            if (!c.literal().type().equals(Prop.STRING)) continue;
            String v = (String) c.literal().value();
            boolean pk = c.property().equals("PartitionKey");
            if (!pk && !c.property().equals("RowKey")) continue;
            switch (c.op()) {
                case "eq" -> {
                    if (pk) { pkLow = max(pkLow, v); pkHigh = min(pkHigh, v); } else { rkLow = max(rkLow, v); rkHigh = min(rkHigh, v); }
                }
                case "gt", "ge" -> {
                    boolean incl = c.op().equals("ge");
                    if (pk) { if (pkLow == null || v.compareTo(pkLow) > 0) { pkLow = v; pkLowIncl = incl; } }
                    else if (rkLow == null || v.compareTo(rkLow) > 0) { rkLow = v; rkLowIncl = incl; }
                }
                case "lt", "le" -> {
                    boolean incl = c.op().equals("le");
                    if (pk) { if (pkHigh == null || v.compareTo(pkHigh) < 0) { pkHigh = v; pkHighIncl = incl; } }
                    else if (rkHigh == null || v.compareTo(rkHigh) < 0) { rkHigh = v; rkHighIncl = incl; }
                }
                default -> { }
            }
        }
        return new KeyRange(pkLow, pkLowIncl, pkHigh, pkHighIncl, rkLow, rkLowIncl, rkHigh, rkHighIncl);
    }

    private static String max(String a, String b) { return a == null || b.compareTo(a) > 0 ? b : a; }

    private static String min(String a, String b) { return a == null || b.compareTo(a) < 0 ? b : a; }

    private static void conjuncts(Node n, List<Cmp> out) {
        if (n instanceof And a) {
            conjuncts(a.l(), out);
            conjuncts(a.r(), out);
        } else if (n instanceof Cmp c) {
            out.add(c);
        }
    }
}
