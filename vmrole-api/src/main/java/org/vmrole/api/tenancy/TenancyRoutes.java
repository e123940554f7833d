package org.vmrole.api.tenancy;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;
import static io.javalin.http.HandlerType.PUT;

import java.util.List;
import java.util.Map;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.QueryParams;
import org.vmrole.api.http.Route;

/** The routes for subscriptions, their keys and the audit log. */
public final class TenancyRoutes {
    private TenancyRoutes() {}

    record NewSubscription(String id, String displayName) {}

    record NewKey(String description) {}

    /**
     * A PUT of limits replaces all four: a field left out is an error, never a silent 0. {@code storageAccounts} (added
     * later) may be left out, which keeps the subscription's current limit, so older clients' PUTs still mean what they did.
     */
    record NewLimits(Integer cores, Integer instances, Integer images, Long storageBytes, Integer storageAccounts) {
        SubscriptionLimits require(SubscriptionLimits current) {
            List<String> missing = new java.util.ArrayList<>();
            if (cores == null) missing.add("cores");
            if (instances == null) missing.add("instances");
            if (images == null) missing.add("images");
            if (storageBytes == null) missing.add("storageBytes");
            if (!missing.isEmpty()) {
                throw ApiException.badRequest("MissingField", "a PUT of limits gives all four of 'cores', 'instances', 'images' and 'storageBytes'; missing "
                        + missing + " (GET the subscription for its current limits)", missing.getFirst());
            }
            if (storageAccounts != null && storageAccounts < 0) {
                throw ApiException.badRequest("InvalidLimits", "'storageAccounts' is " + storageAccounts + "; give 0 or more", "storageAccounts");
            }
            return new SubscriptionLimits(cores, instances, images, storageBytes, storageAccounts == null ? current.storageAccounts() : storageAccounts);
        }
    }

    public static List<Route> of(Tenants tenants, AuditLog audit, Holdings holdings) {
        return List.of(
                Route.taking(POST, "/subscriptions", Access.ADMIN, "Create a subscription", 201, NewSubscription.class, false, (ctx, who, body) -> {
                    if (body.id() == null) throw ApiException.badRequest("MissingField", "give the subscription's 'id'", "id");
                    ctx.status(201).json(tenants.create(who, body.id(), body.displayName()));
                }).answering(Subscription.class),
                new Route(GET, "/subscriptions", Access.TENANT, "List subscriptions the caller may see", 200,
                        (ctx, who) -> ctx.json(Map.of("subscriptions", tenants.list(who)))).answeringList("subscriptions", Subscription.class),
                new Route(GET, "/subscriptions/{subscription}", Access.TENANT, "Show a subscription", 200,
                        (ctx, who) -> ctx.json(tenants.get(who, ctx.pathParam("subscription")))).answering(Subscription.class),
                Route.taking(PUT, "/subscriptions/{subscription}/limits", Access.ADMIN, "Set a subscription's limits: all four of cores, instances, images, storageBytes (and storageAccounts, kept when left out)", 200,
                        NewLimits.class, false, (ctx, who, body) -> ctx.json(tenants.setLimits(who, ctx.pathParam("subscription"),
                                body.require(tenants.get(who, ctx.pathParam("subscription")).limits()))))
                        .answering(Subscription.class),
                new Route(DELETE, "/subscriptions/{subscription}", Access.ADMIN, "Delete a subscription that owns nothing any more (else 409 naming what it owns); its keys and beta requests go with it", 204,
                        (ctx, who) -> {
                            tenants.delete(who, ctx.pathParam("subscription"), holdings);
                            ctx.status(204);
                        }),
                Route.taking(POST, "/subscriptions/{subscription}/keys", Access.TENANT, "Create an API key (its secret is shown once)", 201,
                        NewKey.class, true, (ctx, who, body) ->
                                ctx.status(201).json(tenants.createKey(who, ctx.pathParam("subscription"), body == null ? null : body.description())))
                        .answering(Tenants.IssuedKeyView.class),
                new Route(GET, "/subscriptions/{subscription}/keys", Access.TENANT, "List API keys (ids only, never secrets)", 200,
                        (ctx, who) -> ctx.json(Map.of("keys", tenants.keys(who, ctx.pathParam("subscription")).stream()
                                .map(k -> new KeyView(k.id(), k.description(), k.created(), k.revoked())).toList()))).answeringList("keys", KeyView.class),
                new Route(DELETE, "/subscriptions/{subscription}/keys/{key}", Access.TENANT, "Revoke an API key", 204, (ctx, who) -> {
                    tenants.revokeKey(who, ctx.pathParam("subscription"), ctx.pathParam("key"));
                    ctx.status(204);
                }),
                new Route(GET, "/audit", Access.TENANT, "Recent changes: the caller's own, or all for the administrator", 200,
                        (ctx, who) -> ctx.json(Map.of("entries", audit.recent(who.administrator() ? null : who.subscriptionId(),
                                who.administrator() ? null : tenants.get(who, who.subscriptionId()).created(),
                                QueryParams.intParam(ctx, "limit", 100, 1, 1000))))).answeringList("entries", AuditEntry.class));
    }

    /** A key as listed: no hash, no secret. */
    record KeyView(String id, String description, java.time.Instant created, java.time.Instant revoked) {}
}
