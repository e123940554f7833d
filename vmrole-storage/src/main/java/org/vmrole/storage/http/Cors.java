package org.vmrole.storage.http;

import org.vmrole.storage.StorageException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Azure's CORS decisions for one service, as pure functions of its rules and the request: the
 * first rule that matches wins; without a match a preflight is refused and an actual request gets
 * no Access-Control headers (only {@code Vary: Origin} when rules exist).
 */
public final class Cors {
    private Cors() {}

    /** The headers of a successful preflight, or the 400/403 Azure answers. */
    public static Map<String, String> preflight(List<CorsRule> rules, String origin, String method, String requestHeaders) {
        if (origin == null || origin.isBlank()) {
            throw StorageException.badRequest("InvalidCorsHeaderValue", "A preflight request needs an Origin header.");
        }
        if (method == null || method.isBlank()) {
            throw StorageException.badRequest("InvalidCorsHeaderValue", "A preflight request needs an Access-Control-Request-Method header.");
        }
        for (CorsRule rule : rules) {
            if (rule.allowsOrigin(origin) && rule.allowsMethod(method) && rule.allowsHeaders(requestHeaders)) {
                Map<String, String> out = new LinkedHashMap<>();
                out.put("Access-Control-Allow-Origin", origin);
                out.put("Access-Control-Allow-Methods", method);
                if (requestHeaders != null) out.put("Access-Control-Allow-Headers", requestHeaders);
                out.put("Access-Control-Max-Age", String.valueOf(rule.maxAgeSeconds()));
                out.put("Access-Control-Allow-Credentials", "true");
                return out;
            }
        }
        throw new StorageException(403, "CorsPreflightFailure",
                "CORS not enabled or no matching rule found for this request (origin " + origin + ", method " + method + ").");
    }

    /** The headers an actual request from {@code origin} gets, given the names of the headers its response carries. */
    public static Map<String, String> actual(List<CorsRule> rules, String origin, String method, Collection<String> responseHeaders) {
        Map<String, String> out = new LinkedHashMap<>();
        if (origin == null || rules.isEmpty()) return out;
        for (CorsRule rule : rules) {
            if (rule.allowsOrigin(origin) && rule.allowsMethod(method)) {
                out.put("Access-Control-Allow-Origin", rule.allowsAnyOrigin() ? "*" : origin);
                out.put("Access-Control-Expose-Headers", exposed(rule, responseHeaders));
                if (!rule.allowsAnyOrigin()) {
                    out.put("Access-Control-Allow-Credentials", "true");
                    out.put("Vary", "Origin");
                }
                return out;
            }
        }
        out.put("Vary", "Origin");
        return out;
    }

    /** The response headers a rule exposes, plus its literal (non-prefix) entries. */
    private static String exposed(CorsRule rule, Collection<String> responseHeaders) {
        Set<String> out = new LinkedHashSet<>();
        for (String h : responseHeaders) if (rule.exposes(h)) out.add(h);
        List<String> literal = new ArrayList<>();
        for (String e : rule.exposedHeaders()) {
            if (!e.endsWith("*") && out.stream().noneMatch(h -> h.equalsIgnoreCase(e))) literal.add(e);
        }
        out.addAll(literal);
        return String.join(",", out);
    }
}
