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
                new Route(GET, "/beta/programs", Access.TENANT, "List beta programs", 200, (ctx, who) -> ctx.json(Map.of("programs", beta.programs())))
                        .answeringList("programs", BetaProgram.class),
                Route.taking(POST, "/beta/programs", Access.ADMIN, "Define a beta program", 201, NewProgram.class, false,
                        (ctx, who, p) -> ctx.status(201).json(beta.define(who, p.name(), p.description()))).answering(BetaProgram.class),
                Route.taking(POST, "/beta/programs/{program}/requests", Access.TENANT, "Request admission to a program", 201, NewRequest.class, true,
                        (ctx, who, r) -> ctx.status(201).json(beta.request(who, ctx.pathParam("program"), r == null ? null : r.reason())))
                        .answering(AdmissionRequest.class),
                new Route(GET, "/beta/requests", Access.TENANT, "Admission requests: the caller's own, or all for the administrator", 200,
                        (ctx, who) -> ctx.json(Map.of("requests", beta.requests(who).stream()
                                .filter(r -> ctx.queryParam("state") == null || r.state().name().equalsIgnoreCase(ctx.queryParam("state"))).toList())))
                        .answeringList("requests", AdmissionRequest.class),
                decision(beta, "approve", "Approve an admission request", true),
                decision(beta, "deny", "Deny an admission request", false));
    }

    private static Route decision(BetaPrograms beta, String verb, String summary, boolean approve) {
        return Route.taking(POST, "/beta/requests/{request}/" + verb, Access.ADMIN, summary, 200, Decision.class, true,
                (ctx, who, d) -> ctx.json(beta.decide(who, ctx.pathParam("request"), approve, d == null ? null : d.note()))).answering(AdmissionRequest.class);
    }
}
