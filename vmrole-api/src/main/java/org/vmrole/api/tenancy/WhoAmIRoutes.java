package org.vmrole.api.tenancy;

import static io.javalin.http.HandlerType.GET;

import java.util.List;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;

/** Tells a client whose key it holds, so the portal can show a tenant's pages or the administrator's. */
public final class WhoAmIRoutes {
    private WhoAmIRoutes() {}

    /** The caller: the administrator (no subscription) or one subscription, and the key's id. */
    public record WhoAmI(boolean administrator, String subscription, String keyId) {}

    public static List<Route> of() {
        return List.of(new Route(GET, "/whoami", Access.TENANT, "Whose key this is: the administrator's, or which subscription's", 200,
                (ctx, who) -> ctx.json(new WhoAmI(who.administrator(), who.subscriptionId(), who.keyId()))));
    }
}
