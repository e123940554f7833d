package org.vmrole.api.services;

import static io.javalin.http.HandlerType.GET;

import java.util.List;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;
import org.vmrole.api.tenancy.SubscriptionLimits;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.api.tenancy.Usage;
import org.vmrole.image.ImageRepository;

/** What a subscription holds against its limits: cores and instances of live deployments, images and their bytes. */
public final class UsageRoutes {
    private UsageRoutes() {}

    /** Usage and limits side by side. */
    public record UsageView(String subscription, Usage usage, SubscriptionLimits limits) {}

    public static List<Route> of(Tenants tenants, Deployments deployments, ImageRepository images) {
        return List.of(new Route(GET, "/subscriptions/{subscription}/usage", Access.TENANT, "A subscription's usage against its limits", 200, (ctx, who) -> {
            var s = tenants.get(who, ctx.pathParam("subscription"));
            ctx.json(new UsageView(s.id(), deployments.usageOf(s.id()).plus(ImageRoutes.held(images, s.id())), s.limits()));
        }));
    }
}
