package org.vmrole.api.http;

import java.util.Map;
import java.util.regex.Pattern;
import org.vmrole.api.ApiException;
import org.vmrole.model.service.ImageCatalog;

/**
 * One rule per kind of name a caller gives, checked at the edge (path parameters by {@link ApiServer}, body fields
 * by the call that takes them), with the rule itself in the error. Names end up in store keys, URLs, host names and
 * log lines, so none of them may hold a '/', '..', a control character or a line break.
 */
public record NameRule(String kind, String code, Pattern pattern, String rule) {
    public static final NameRule SUBSCRIPTION = new NameRule("subscription id", "InvalidSubscriptionId",
            Pattern.compile("[a-z][a-z0-9-]{1,38}[a-z0-9]"), "3-40 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'");
    public static final NameRule SERVICE = new NameRule("service name", "InvalidServiceName",
            Pattern.compile("[a-z][a-z0-9-]{1,61}[a-z0-9]"), "3-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'");
    public static final NameRule IMAGE = new NameRule("image name", "InvalidImageName",
            ImageCatalog.NAME, "1-128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
    public static final NameRule HOST = new NameRule("host name", "InvalidHostName",
            Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9.-]{0,61}[A-Za-z0-9])?"), "1-63 characters of A-Z, a-z, 0-9, '.' and '-', starting and ending with a letter or digit");
    public static final NameRule PROGRAM = new NameRule("program name", "InvalidProgramName",
            Pattern.compile("[a-z][a-z0-9-]{1,40}"), "2-41 characters of a-z, 0-9 and '-', starting with a letter");
    /** Azure's rule: storage account names are DNS labels, unique across the platform. */
    public static final NameRule STORAGE_ACCOUNT = new NameRule("storage account name", "InvalidAccountName",
            Pattern.compile("[a-z0-9]{3,24}"), "3-24 characters of lowercase letters a-z and digits 0-9 only (Azure's rule: no '-', no capitals)");
    /** A drive: its page blob is {@code drives/NAME.vhd} in its account. */
    public static final NameRule DRIVE = new NameRule("drive name", "InvalidDriveName",
            Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"), "1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit");
    /** Ids the platform made (keys, uploads, operations, requests) and names from a service model (roles, instances). */
    public static final NameRule ID = new NameRule("id", "InvalidId",
            Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,127}"), "1-128 characters of A-Z, a-z, 0-9, '_', '-', '.' and ':'");

    /** The rule each path parameter follows, by its name in the route's path. */
    static final Map<String, NameRule> PATH_PARAMETERS = Map.of(
            "subscription", SUBSCRIPTION, "service", SERVICE, "image", IMAGE, "host", HOST, "program", PROGRAM, "account", STORAGE_ACCOUNT, "drive", DRIVE);

    /** The longest free text (a key's description, a label, a reason) a caller may give. */
    public static final int TEXT_LIMIT = 200;

    /** Returns the name when it follows the rule; else a 400 naming the rule, with the name shown escaped. */
    public String require(String name, String target) {
        if (name == null || !pattern.matcher(name).matches()) {
            throw ApiException.badRequest(code, kind + " " + shown(name) + " must be " + rule, target);
        }
        return name;
    }

    /**
     * Free text (a key's description, a display name, a label, a reason, a note): at most {@link #TEXT_LIMIT}
     * characters, none of them a control, format (such as a right-to-left override) or line-separator character.
     * Null passes: the caller decides whether the text is required.
     */
    public static String requireText(String text, String field) {
        if (text == null) return null;
        if (text.codePointCount(0, text.length()) > TEXT_LIMIT) {
            throw ApiException.badRequest("InvalidText", "'" + field + "' is " + text.length() + " characters; give at most " + TEXT_LIMIT, field);
        }
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.SURROGATE || type == Character.UNASSIGNED || type == Character.PRIVATE_USE) {
                throw ApiException.badRequest("InvalidText", "'" + field + "' holds the character U+" + String.format("%04X", c) + " at " + i
                        + "; give printable text without control, format or line-separator characters", field);
            }
            i += Character.charCount(c);
        }
        return text;
    }

    /** A name as an error message shows it: quoted, cut at 64 characters, anything unprintable escaped. */
    static String shown(String name) {
        if (name == null) return "(none)";
        StringBuilder b = new StringBuilder("'");
        name.codePoints().limit(64).forEach(c -> {
            if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.LINE_SEPARATOR) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        if (name.codePointCount(0, name.length()) > 64) b.append("...");
        return b.append("'").toString();
    }
}
