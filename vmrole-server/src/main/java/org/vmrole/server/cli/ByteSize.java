package org.vmrole.server.cli;

import java.util.Locale;

/** Sizes as a person types them: {@code 64MiB}, {@code 1GiB}, {@code 512K}, {@code 4096} (bytes); binary units only. */
final class ByteSize {
    private ByteSize() {}

    static long parse(String text, String option) {
        String t = text == null ? "" : text.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) i++;
        if (i == 0 || i > 18) throw new CliFailure(2, option + " '" + text + "' must be a whole number with an optional unit, e.g. 64MiB, 1GiB or 4096");
        long n = Long.parseLong(t.substring(0, i));
        long unit = switch (t.substring(i).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            default -> throw new CliFailure(2, option + " '" + text + "': unit '" + t.substring(i) + "' is not one of B, KiB, MiB, GiB, TiB");
        };
        if (n > Long.MAX_VALUE / unit) throw new CliFailure(2, option + " '" + text + "' is too large");
        return n * unit;
    }
}
