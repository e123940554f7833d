package org.vmrole.storage;

import java.util.regex.Pattern;

/**
 * Azure's naming rules for containers, blobs, queues and tables. Names never become file paths (content
 * files are named by random ids), so these rules are about compatibility, not containment.
 */
public final class Names {
    private static final Pattern CONTAINER = Pattern.compile("\\$root|\\$logs|\\$web|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
    private static final Pattern QUEUE = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9]{2,62}");

    private Names() {}

    public static String container(String name) {
        if (name == null || !CONTAINER.matcher(name).matches()) {
            throw StorageException.badRequest("InvalidResourceName", "The specifed resource name contains invalid characters: container '" + name
                    + "' must be 3-63 lowercase letters, digits and single hyphens.");
        }
        return name;
    }

    public static String blob(String name) {
        if (name == null || name.isEmpty() || name.length() > 1024) {
            throw StorageException.badRequest("InvalidResourceName", "The specifed resource name length is not within the permissible limits: blob names are 1-1024 characters.");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogate(name, i)) {
                throw StorageException.badRequest("InvalidResourceName", "The specifed resource name contains invalid characters.");
            }
        }
        return name;
    }

    private static boolean validSurrogate(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    public static String queue(String name) {
        if (name == null || !QUEUE.matcher(name).matches()) {
            throw StorageException.badRequest("InvalidResourceName", "The specifed resource name contains invalid characters: queue '" + name
                    + "' must be 3-63 lowercase letters, digits and single hyphens.");
        }
        return name;
    }

    public static String table(String name) {
        if (name == null || !TABLE.matcher(name).matches() || name.equalsIgnoreCase("tables")) {
            throw StorageException.badRequest("InvalidResourceName", "The specifed resource name contains invalid characters: table '" + name
                    + "' must be 3-63 letters and digits, starting with a letter.");
        }
        return name;
    }

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** A C# identifier: what metadata names and table property names must be. */
    public static boolean identifier(String name) {
        return IDENTIFIER.matcher(name).matches();
    }
}
