package org.vmrole.storage.http;

import java.util.List;
import java.util.Locale;

/** One CORS rule of a service's properties, as Set Service Properties stores it. */
public record CorsRule(List<String> allowedOrigins, List<String> allowedMethods, List<String> allowedHeaders,
                       List<String> exposedHeaders, int maxAgeSeconds) {

    public boolean allowsAnyOrigin() { return allowedOrigins.contains("*"); }

    public boolean allowsOrigin(String origin) {
        return allowsAnyOrigin() || allowedOrigins.stream().anyMatch(o -> o.equalsIgnoreCase(origin.trim()));
    }

    public boolean allowsMethod(String method) {
        return allowedMethods.stream().anyMatch(m -> m.equalsIgnoreCase(method.trim()));
    }

    /** Every header of a comma-separated Access-Control-Request-Headers is allowed, literally or by a "prefix*" rule. */
    public boolean allowsHeaders(String requested) {
        if (requested == null || requested.isBlank()) return true;
        for (String h : requested.split(",")) {
            if (!h.isBlank() && !matches(allowedHeaders, h.trim())) return false;
        }
        return true;
    }

    /** Whether a response header may be shown to the browser script. */
    public boolean exposes(String header) {
        return matches(exposedHeaders, header);
    }

    private static boolean matches(List<String> rules, String header) {
        String h = header.toLowerCase(Locale.ROOT);
        for (String rule : rules) {
            String r = rule.toLowerCase(Locale.ROOT);
            if (r.equals("*") || r.equals(h) || (r.endsWith("*") && h.startsWith(r.substring(0, r.length() - 1)))) return true;
        }
        return false;
    }
}
