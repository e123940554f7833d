package org.vmrole.api.portal;

import static io.javalin.http.HandlerType.GET;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.vmrole.api.ApiException;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;

/**
 * Serves the Management Portal: plain ES modules, a stylesheet and one HTML page from the classpath folder
 * {@code portal/}, each with a Content-Security-Policy that allows only this origin's scripts (no inline script).
 * The page itself is public; every call it makes is an ordinary API call with the key the user signed in with.
 */
public final class PortalResources {
    /** No inline script or style, no other origin, no framing: untrusted text can never become code. */
    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static final Pattern FILE = Pattern.compile("[a-z][a-z0-9-]*\\.(js|css|html|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8", "svg", "image/svg+xml");

    private PortalResources() {}

    public static List<Route> routes() {
        return List.of(
                new Route(GET, "/portal", Access.PUBLIC, "The Management Portal (a page of this origin's ES modules)", 200,
                        (ctx, who) -> serve(ctx, "index.html")),
                new Route(GET, "/portal/{file}", Access.PUBLIC, "A file of the Management Portal", 200,
                        (ctx, who) -> serve(ctx, ctx.pathParam("file"))));
    }

    private static void serve(Context ctx, String file) throws IOException {
        if (!FILE.matcher(file).matches()) throw ApiException.notFound("PortalFile", file);
        try (InputStream in = PortalResources.class.getResourceAsStream("/portal/" + file)) {
            if (in == null) throw ApiException.notFound("PortalFile", file);
            ctx.header("Content-Security-Policy", CSP)
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Referrer-Policy", "no-referrer")
                    .header("Cache-Control", "no-cache")
                    .contentType(TYPES.get(file.substring(file.lastIndexOf('.') + 1)))
                    .result(in.readAllBytes());
        }
    }
}
