package org.vmrole.model.service;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Answers whether an image a role names ({@code OsImage href}) exists. An href is an image name
 * ({@code contoso-web-v1}, {@code web.vhd}) or a digest ({@code sha256:} and 64 hex digits).
 */
@FunctionalInterface
public interface ImageCatalog {
    Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    boolean exists(String href);

    /** Offline: every well-formed href is taken to exist. */
    static ImageCatalog offline() {
        return href -> true;
    }

    /** Only these names or digests exist. */
    static ImageCatalog of(Set<String> known) {
        Set<String> copy = Set.copyOf(known);
        return copy::contains;
    }

    /** True when the href is a name or a digest as described above. */
    static boolean wellFormed(String href) {
        return href != null && (NAME.matcher(href).matches() || DIGEST.matcher(href).matches());
    }
}
