package org.vmrole.model.service;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** The problems found while reading and the places recorded, shared by the XML and YAML readers. */
final class ReadContext {
    final List<Problem> problems = new ArrayList<>();
    final SourceMap sources;

    ReadContext(SourceMap sources) {
        this.sources = sources;
    }

    void error(SourceLocation where, String message) {
        problems.add(Problem.error(where, message));
    }

    void warning(SourceLocation where, String message) {
        problems.add(Problem.warning(where, message));
    }

    /**
     * Reads a whole number; reports a problem naming the field and the fix when the text is not one.
     * Empty when absent or bad.
     */
    OptionalInt integer(String text, SourceLocation where, String what, String example) {
        if (text == null) return OptionalInt.empty();
        try {
            return OptionalInt.of(Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            error(where, what + " is '" + text + "', not a whole number. Write a number, e.g. " + example);
            return OptionalInt.empty();
        }
    }

    /** Reads true/false; reports a problem for anything else. */
    boolean bool(String text, boolean fallback, SourceLocation where, String what) {
        if (text == null) return fallback;
        String t = text.trim();
        if (t.equalsIgnoreCase("true")) return true;
        if (t.equalsIgnoreCase("false")) return false;
        error(where, what + " is '" + text + "'. Write true or false");
        return fallback;
    }

    /** A required text; reports which attribute or key is missing. */
    String required(String text, SourceLocation where, String what, String fix) {
        if (text == null || text.isBlank()) {
            error(where, what + " is missing. " + fix);
            return null;
        }
        return text.trim();
    }
}
