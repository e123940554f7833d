package org.vmrole.api.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import org.vmrole.api.auth.Principal;

/**
 * One route of the management API with what the OpenAPI document says of it: the record its JSON body is read as
 * ({@link #taking}: the handler gets the body from that same type, so document and route cannot drift) and the shape of
 * its success answer ({@link #answering}).
 */
public record Route(HandlerType method, String path, Access access, String summary, int successStatus, RouteHandler handler,
                    Class<?> body, boolean bodyOptional, Answer answer) {

    public Route(HandlerType method, String path, Access access, String summary, int successStatus, RouteHandler handler) {
        this(method, path, access, summary, successStatus, handler, null, false, null);
    }

    /** A success answer: one record, or a list of records under one field ({@code {"services": [...]}}). */
    public record Answer(Class<?> type, String listField) {}

    /** A route's work given its body already read as the route's body type (null when an optional body was not sent). */
    @FunctionalInterface
    public interface BodyHandler<B> {
        void handle(Context ctx, Principal caller, B body) throws Exception;
    }

    /** A route that reads its JSON body as {@code type}; {@code optional}: an empty body is allowed and reads as null. */
    public static <B> Route taking(HandlerType method, String path, Access access, String summary, int successStatus, Class<B> type, boolean optional,
                                   BodyHandler<B> handler) {
        RouteHandler reading = (ctx, who) -> handler.handle(ctx, who, optional && ctx.body().isBlank() ? null : ctx.bodyAsClass(type));
        return new Route(method, path, access, summary, successStatus, reading, type, optional, null);
    }

    /** This route, answering one record of {@code type} on success. */
    public Route answering(Class<?> type) {
        return new Route(method, path, access, summary, successStatus, handler, body, bodyOptional, new Answer(type, null));
    }

    /** This route, answering {@code {"field": [records of item]}} on success. */
    public Route answeringList(String field, Class<?> item) {
        return new Route(method, path, access, summary, successStatus, handler, body, bodyOptional, new Answer(item, field));
    }
}
