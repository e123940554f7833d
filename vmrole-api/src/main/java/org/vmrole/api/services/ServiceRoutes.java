package org.vmrole.api.services;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import org.vmrole.api.ApiException;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.LongPoll;
import org.vmrole.api.http.QueryParams;
import org.vmrole.api.http.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.vmrole.fabric.model.Operation;

/** Routes for hosted services, their deployments, roles, instances and operations. Changes answer 202 with an operation. */
public final class ServiceRoutes {
    private static final String DEPLOYMENT = "/services/{service}/deployments/{slot}";

    private static final Logger log = LoggerFactory.getLogger(ServiceRoutes.class);

    private ServiceRoutes() {}

    record NewService(String name, String label) {}

    record Scale(Integer count) {}

    record Walk(Integer domain) {}

    public static List<Route> of(HostedServices services, Deployments deployments, ConsoleLogs logs, OperationWaits waits) {
        return List.of(
                Route.taking(POST, "/services", Access.TENANT, "Create a hosted service", 201, NewService.class, false, (ctx, who, body) -> {
                    if (body.name() == null) throw ApiException.badRequest("MissingField", "give the service's 'name'", "name");
                    ctx.status(201).json(services.create(who, sub(services, ctx, who), body.name(), body.label()));
                }).answering(HostedService.class),
                new Route(GET, "/services", Access.TENANT, "List hosted services", 200,
                        (ctx, who) -> ctx.json(Map.of("services", services.list(sub(services, ctx, who))))).answeringList("services", HostedService.class),
                new Route(GET, "/services/{service}", Access.TENANT, "Show a hosted service and its slots", 200,
                        (ctx, who) -> ctx.json(services.get(sub(services, ctx, who), ctx.pathParam("service")).value())).answering(HostedService.class),
                new Route(DELETE, "/services/{service}", Access.TENANT, "Delete a hosted service with no deployments", 204, (ctx, who) -> {
                    services.delete(who, sub(services, ctx, who), ctx.pathParam("service"));
                    ctx.status(204);
                }),
                new Route(POST, "/services/{service}/swap", Access.TENANT, "Swap production and staging at the load balancer (a VIP swap)", 200,
                        (ctx, who) -> ctx.json(deployments.swap(who, sub(services, ctx, who), ctx.pathParam("service")))).answering(HostedService.class),
                Route.taking(POST, DEPLOYMENT, Access.TENANT, "Create a deployment from a definition and configuration (or YAML)", 202,
                        Deployments.Request.class, false, (ctx, who, body) -> accepted(ctx, deployments.create(who, sub(services, ctx, who), ctx.pathParam("service"),
                                ctx.pathParam("slot"), body))).answering(Operation.class),
                new Route(GET, DEPLOYMENT, Access.TENANT, "Show a deployment with every role and instance", 200,
                        (ctx, who) -> ctx.json(deployments.show(sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot")))).answering(DeploymentView.class),
                new Route(DELETE, DEPLOYMENT, Access.TENANT, "Delete a deployment: every VM stopped, every overlay removed", 202,
                        (ctx, who) -> accepted(ctx, deployments.delete(who, sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"))))
                        .answering(Operation.class),
                Route.taking(POST, DEPLOYMENT + "/upgrade", Access.TENANT, "Upgrade a deployment to a new version, one update domain at a time (mode auto or manual)", 202,
                        Deployments.UpgradeRequest.class, false, (ctx, who, body) -> accepted(ctx, deployments.upgrade(who, sub(services, ctx, who), ctx.pathParam("service"),
                                ctx.pathParam("slot"), body))).answering(Operation.class),
                Route.taking(POST, DEPLOYMENT + "/upgrade/walk", Access.TENANT, "Walk the next update domain of a manual upgrade", 202, Walk.class, false, (ctx, who, w) -> {
                    if (w.domain() == null) throw ApiException.badRequest("MissingField", "give the update 'domain' to walk", "domain");
                    accepted(ctx, deployments.walk(who, sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"), w.domain()));
                }).answering(Operation.class),
                new Route(POST, DEPLOYMENT + "/upgrade/rollback", Access.TENANT, "Return the walked update domains to the version before the upgrade", 202,
                        (ctx, who) -> accepted(ctx, deployments.rollback(who, sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"))))
                        .answering(Operation.class),
                Route.taking(POST, DEPLOYMENT + "/roles/{role}/scale", Access.TENANT, "Set a role's instance count", 202, Scale.class, false, (ctx, who, s) -> {
                    if (s.count() == null) throw ApiException.badRequest("MissingField", "give the new instance 'count'", "count");
                    accepted(ctx, deployments.scale(who, sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"), ctx.pathParam("role"), s.count()));
                }).answering(Operation.class),
                new Route(POST, DEPLOYMENT + "/instances/{instance}/reboot", Access.TENANT, "Reboot an instance (its disk is kept)", 202,
                        (ctx, who) -> accepted(ctx, deployments.reboot(who, sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"), ctx.pathParam("instance"))))
                        .answering(Operation.class),
                new Route(POST, DEPLOYMENT + "/instances/{instance}/reimage", Access.TENANT, "Reimage an instance (a fresh disk from its image)", 202,
                        (ctx, who) -> accepted(ctx, deployments.reimage(who, sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"), ctx.pathParam("instance"))))
                        .answering(Operation.class),
                new Route(GET, DEPLOYMENT + "/instances/{instance}/console", Access.TENANT, "The tail of an instance's serial console log", 200, (ctx, who) -> {
                    var view = deployments.instance(sub(services, ctx, who), ctx.pathParam("service"), ctx.pathParam("slot"), ctx.pathParam("instance"));
                    if (view.host() == null) throw ApiException.conflict("NotPlaced", "instance " + view.instance() + " runs on no host yet", view.instance());
                    int bytes = QueryParams.intParam(ctx, "bytes", 64 * 1024, 1, 1 << 20);
                    String text = logs.tail(view.host(), view.deploymentId() + "/" + view.instance(), bytes)
                            .orElseThrow(() -> ApiException.conflict("ConsoleUnavailable", "host " + view.host() + " did not answer for the console log of "
                                    + view.instance() + " in time; it may be down or cut off from the controller (see ./vmrole host list)", view.instance()));
                    ctx.contentType("text/plain; charset=utf-8").result(text);
                }),
                new Route(GET, "/operations/{operation}", Access.TENANT, "Show an operation; ?wait=SECONDS waits for it to finish", 200, (ctx, who) -> {
                    int wait = QueryParams.intParam(ctx, "wait", 0, 0, 300);
                    String id = ctx.pathParam("operation");
                    Operation now = deployments.operation(who, id);
                    var done = waits.until(now, () -> deployments.operationAgain(id), java.time.Duration.ofSeconds(wait));
                    LongPoll.answer(ctx, done);
                }).answering(Operation.class));
    }

    /** The subscription the call acts for: the caller's own, or the existing one the administrator names in ?subscription=. */
    private static String sub(HostedServices services, Context ctx, Principal who) {
        return services.actingFor(who, ctx.queryParam("subscription"));
    }

    private static void accepted(Context ctx, Operation op) {
        try (var ignored = MDC.putCloseable("operation", op.id())) {
            log.info("{} {} accepted: {} {}", op.kind(), op.deploymentId(), ctx.method(), ctx.path());
        }
        ctx.status(202).header("Location", "/operations/" + op.id()).json(op);
    }
}
