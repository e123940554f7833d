package org.vmrole.server;

import io.javalin.http.HandlerType;
import java.util.List;
import java.util.function.Supplier;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;

/** {@code GET /controller/status}: which replica leads, the replicas, and the etcd members' health (administrator). */
final class ControllerRoutes {
    private ControllerRoutes() {}

    static List<Route> of(Supplier<ControllerRole.Status> status) {
        return List.of(new Route(HandlerType.GET, "/controller/status", Access.ADMIN,
                "The control plane: which replica leads and since when, every replica, and the etcd members with their health", 200,
                (ctx, who) -> ctx.json(status.get())).answering(ControllerRole.Status.class));
    }
}
