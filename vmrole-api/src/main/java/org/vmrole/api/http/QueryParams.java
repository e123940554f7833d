package org.vmrole.api.http;

import io.javalin.http.Context;
import org.vmrole.api.ApiException;

/** Reads query parameters with errors that name the parameter and the range it takes. */
public final class QueryParams {
    private QueryParams() {}

    public static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) return fallback;
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // falls through to the same message as a value out of range
        }
        throw ApiException.badRequest("InvalidQueryParameter", "query parameter '" + name + "' must be a whole number from "
                + min + " to " + max + ", got '" + text + "'", name);
    }
}
