package org.vmrole.api.http;

import io.javalin.http.HandlerType;

/** One route of the management API with what the OpenAPI document says of it. */
public record Route(HandlerType method, String path, Access access, String summary, int successStatus, RouteHandler handler) {
}
