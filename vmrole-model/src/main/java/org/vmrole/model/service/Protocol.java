package org.vmrole.model.service;

import java.util.Locale;
import java.util.Optional;

/** The protocols an endpoint or a load-balancer probe may speak. */
public enum Protocol {
    TCP, HTTP;

    /** Reads {@code tcp} or {@code http} in any case; empty when the name is not one of them. */
    public static Optional<Protocol> parse(String name) {
        if (name == null) return Optional.empty();
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "tcp" -> Optional.of(TCP);
            case "http" -> Optional.of(HTTP);
            default -> Optional.empty();
        };
    }

    /** The lower-case name used in files and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return wireName();
    }
}
