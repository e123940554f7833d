package org.vmrole.api.fabric;

import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Host;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.JoinCredentials;

/** The administrator's routes for hosts: list them with capacity, fault domain and health; issue join tokens. */
public final class HostRoutes {
    private HostRoutes() {}

    /** A host as the administrator sees it. */
    public record HostView(String name, int faultDomain, String status, int cores, int memoryMiB, int diskGiB, Instant lastHeartbeat,
                           long heartbeatAgeMillis) {
        static HostView of(Host h, long now) {
            return new HostView(h.name(), h.faultDomain(), h.status().name(), h.capacity().cores(), h.capacity().memoryMiB(),
                    h.capacity().diskGiB(), Instant.ofEpochMilli(h.lastHeartbeatMillis()), Math.max(0, now - h.lastHeartbeatMillis()));
        }
    }

    /** A join token as a host takes it: the fabric's secret for the host, and the fingerprint of the controller it must pin. */
    public static String issueJoinToken(FabricController fabric, CertificateAuthority authority, String host) {
        return new JoinCredentials(fabric.issueJoinToken(host), authority.fingerprint()).format();
    }

    public static List<Route> of(FabricController fabric, CertificateAuthority authority) {
        return List.of(
                new Route(GET, "/hosts", Access.ADMIN, "List hosts with capacity, fault domain and health", 200, (ctx, who) -> {
                    long now = System.currentTimeMillis();
                    ctx.json(Map.of("hosts", fabric.listHosts().stream().map(h -> HostView.of(h, now)).toList()));
                }),
                new Route(POST, "/hosts/{host}/join-token", Access.ADMIN, "Issue the token a host joins with (replaces an earlier one)", 201,
                        (ctx, who) -> ctx.status(201).json(Map.of("host", ctx.pathParam("host"), "joinToken", issueJoinToken(fabric, authority, ctx.pathParam("host"))))),
                new Route(POST, "/hosts/{host}/drain", Access.ADMIN, "Drain a host: its instances move away, one per role at a time; it takes no new ones", 200,
                        (ctx, who) -> ctx.json(HostView.of(fabric.drainHost(ctx.pathParam("host"), true), System.currentTimeMillis()))),
                new Route(POST, "/hosts/{host}/undrain", Access.ADMIN, "Take a drained host back into placement", 200,
                        (ctx, who) -> ctx.json(HostView.of(fabric.drainHost(ctx.pathParam("host"), false), System.currentTimeMillis()))),
                new Route(POST, "/hosts/{host}/revoke", Access.ADMIN, "Revoke a host: it can no longer join or read assignments; its instances move", 200,
                        (ctx, who) -> {
                            fabric.revokeHost(ctx.pathParam("host"));
                            ctx.json(Map.of("host", ctx.pathParam("host"), "revoked", true));
                        }));
    }
}
