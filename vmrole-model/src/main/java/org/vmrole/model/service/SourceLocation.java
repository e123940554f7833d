package org.vmrole.model.service;

/** A place in a source file, printed as {@code file:line:column} the way compilers and editors read it. */
public record SourceLocation(String file, int line, int column) {
    public SourceLocation {
        if (file == null) throw new IllegalArgumentException("file is null");
    }

    /** The file as a whole, when no finer place is known. */
    public static SourceLocation ofFile(String file) {
        return new SourceLocation(file, 0, 0);
    }

    @Override
    public String toString() {
        if (line <= 0) return file;
        return column <= 0 ? file + ":" + line : file + ":" + line + ":" + column;
    }
}
