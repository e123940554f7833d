package org.vmrole.api.beta;

import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;

import java.util.List;
import java.util.Map;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;

/** The routes for beta programs and admission requests. */
public final class BetaRoutes {
    private BetaRoutes() {}

    record NewProgram(String name, String description) {}

    record NewRequest(String reason) {}

    record Decision(String note) {}

    public static List<Route> of(BetaPrograms beta) {
        return List.of(
                new Route(GET, "/beta/programs", Access.TENANT, "List beta programs", 200, (ctx, who) -> ctx.json(Map.of("programs", beta.programs()))),
                new Route(POST, "/beta/programs", Access.ADMIN, "Define a beta program", 201, (ctx, who) -> {
                    NewProgram p = ctx.bodyAsClass(NewProgram.class);
                    ctx.status(201).json(beta.define(who, p.name(), p.description()));
                }),
                new Route(POST, "/beta/programs/{program}/requests", Access.TENANT, "Request admission to a program", 201, (ctx, who) -> {
                    NewRequest r = ctx.body().isBlank() ? new NewRequest(null) : ctx.bodyAsClass(NewRequest.class);
                    ctx.status(201).json(beta.request(who, ctx.pathParam("program"), r.reason()));
                }),
                new Route(GET, "/beta/requests", Access.TENANT, "Admission requests: the caller's own, or all for the administrator", 200,
                        (ctx, who) -> ctx.json(Map.of("requests", beta.requests(who).stream()
                                .filter(r -> ctx.queryParam("state") == null || r.state().name().equalsIgnoreCase(ctx.queryParam("state"))).toList()))),
                new Route(POST, "/beta/requests/{request}/approve", Access.ADMIN, "Approve an admission request", 200,
                        (ctx, who) -> ctx.json(beta.decide(who, ctx.pathParam("request"), true, ctx.body().isBlank() ? null : ctx.bodyAsClass(Decision.class).note()))),
                new Route(POST, "/beta/requests/{request}/deny", Access.ADMIN, "Deny an admission request", 200,
                        (ctx, who) -> ctx.json(beta.decide(who, ctx.pathParam("request"), false, ctx.body().isBlank() ? null : ctx.bodyAsClass(Decision.class).note()))));
    }
}
