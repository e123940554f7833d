package org.vmrole.storage.http;

/** Minimal XML text escaping for the hand-written response bodies. */
public final class Xml {
    private Xml() {}

    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') sb.append("&#x").append(Integer.toHexString(c)).append(';');
                    else sb.append(c);
                }
            }
        }
        return sb.toString();
    }
}
