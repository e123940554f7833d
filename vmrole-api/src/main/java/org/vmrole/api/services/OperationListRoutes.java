package org.vmrole.api.services;

import static io.javalin.http.HandlerType.GET;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmrole.api.ApiException;
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
        return List.of(new Route(GET, "/operations", Access.TENANT, "Recent operations (?limit=N, newest first; ?before=ID for the page "
                + "after the one that ended with ID, as 'next' names it): the caller's own, or all for the administrator", 200,
                (ctx, who) -> {
                    int limit = QueryParams.intParam(ctx, "limit", 20, 1, 500);
                    String before = ctx.queryParam("before");
                    List<Operation> all = fabric.listOperations();
                    int from = all.size() - 1;
                    if (before != null) {
                        from = -1;
                        for (int i = all.size() - 1; i >= 0 && from < 0; i--) if (all.get(i).id().equals(before)) from = i - 1;
                        if (from < 0 && all.stream().noneMatch(op -> op.id().equals(before))) {
                            throw ApiException.badRequest("InvalidQueryParameter", "?before=" + before + " names no operation kept now (finished "
                                    + "operations are forgotten after a week); list from the newest without ?before", "before");
                        }
                    }
                    List<OperationEntry> out = new ArrayList<>();
                    String next = null;
                    for (int i = from; i >= 0; i--) {
                        Operation op = all.get(i);
                        if (out.size() == limit) {
                            next = out.getLast().operation().id();
                            break;
                        }
                        var owner = operations.visible(who, op.id());
                        if (owner.isPresent()) {
                            out.add(new OperationEntry(op, owner.get().subscriptionId(), owner.get().service(), owner.get().slot()));
                        } else if (who.administrator()) {
                            out.add(new OperationEntry(op, null, null, null)); // started by the platform itself, not through the API
                        }
                    }
                    Map<String, Object> page = new LinkedHashMap<>();
                    page.put("operations", out);
                    if (next != null) page.put("next", next);
                    ctx.json(page);
                }));
    }
}
