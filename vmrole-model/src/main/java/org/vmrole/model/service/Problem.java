package org.vmrole.model.service;

/** One thing wrong (or worth a warning) in a service description, with where it is and how to fix it. */
public record Problem(Severity severity, SourceLocation where, String message) {

    /** Errors make a service invalid; warnings are printed but do not. */
    public enum Severity { ERROR, WARNING }

    public Problem {
        if (severity == null || where == null || message == null) throw new IllegalArgumentException("problem needs severity, location and message");
    }

    public static Problem error(SourceLocation where, String message) {
        return new Problem(Severity.ERROR, where, message);
    }

    public static Problem warning(SourceLocation where, String message) {
        return new Problem(Severity.WARNING, where, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: error: message}, one line a person and a script can both read. */
    @Override
    public String toString() {
        return where + ": " + (isError() ? "error" : "warning") + ": " + message;
    }
}
