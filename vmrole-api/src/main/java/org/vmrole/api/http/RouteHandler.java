package org.vmrole.api.http;

import io.javalin.http.Context;
import org.vmrole.api.auth.Principal;

/** A route's work: given the request and the authenticated caller (null on public routes). */
@FunctionalInterface
public interface RouteHandler {
    void handle(Context ctx, Principal caller) throws Exception;
}
