package org.vmrole.api.services;

import static io.javalin.http.HandlerType.GET;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.QueryParams;
import org.vmrole.api.http.Route;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Operation;

/** The caller's recent operations, newest first, each with the service and slot it acted on. */
public final class OperationListRoutes {
    private OperationListRoutes() {}

    /** An operation and where it acted. */
    public record OperationEntry(Operation operation, String subscription, String service, String slot) {}

    public static List<Route> of(FabricController fabric, Ownership operations) {
        return List.of(new Route(GET, "/operations", Access.TENANT, "Recent operations (?limit=N, newest first): the caller's own, or all for the administrator", 200,
                (ctx, who) -> {
                    int limit = QueryParams.intParam(ctx, "limit", 20, 1, 500);
                    List<Operation> all = fabric.listOperations();
                    List<OperationEntry> out = new ArrayList<>();
                    for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
                        Operation op = all.get(i);
                        var owner = operations.visible(who, op.id());
                        if (owner.isPresent()) {
                            out.add(new OperationEntry(op, owner.get().subscriptionId(), owner.get().service(), owner.get().slot()));
                        } else if (who.administrator()) {
                            out.add(new OperationEntry(op, null, null, null)); // started by the platform itself, not through the API
                        }
                    }
                    ctx.json(Map.of("operations", out));
                }));
    }
}
