package org.vmrole.api.drives;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;
import org.vmrole.api.tenancy.Tenants;

/** Routes for a subscription's drives: create, list, show, snapshot, a read-only SAS, delete. */
public final class DriveRoutes {
    private static final String DRIVE = "/drives/{drive}";

    private DriveRoutes() {}

    record NewDrive(String name, String account, Long sizeBytes) {}

    record SasRequest(String account, Integer hours) {}

    public static List<Route> of(Drives drives, Tenants tenants, Drives.Writers writers) {
        return List.of(
                Route.taking(POST, "/drives", Access.TENANT, "Create a drive: a fixed VHD (size + 512-byte footer) in a page blob of one of the subscription's storage accounts", 201,
                        NewDrive.class, false, (ctx, who, body) -> ctx.status(201).json(drives.create(who, sub(tenants, ctx, who), body.name(), body.account(), body.sizeBytes())))
                        .answering(DriveView.class),
                new Route(GET, "/drives", Access.TENANT, "List the subscription's drives", 200,
                        (ctx, who) -> ctx.json(Map.of("drives", drives.list(sub(tenants, ctx, who))))).answeringList("drives", DriveView.class),
                new Route(GET, DRIVE, Access.TENANT, "Show a drive", 200,
                        (ctx, who) -> ctx.json(drives.show(sub(tenants, ctx, who), ctx.pathParam("drive")))).answering(DriveView.class),
                new Route(POST, DRIVE + "/snapshot", Access.TENANT, "Take a snapshot of a drive (instances may mount it read-only)", 201,
                        (ctx, who) -> ctx.status(201).json(drives.snapshot(who, sub(tenants, ctx, who), ctx.pathParam("drive")))).answering(DriveSnapshot.class),
                Route.taking(POST, DRIVE + "/sas", Access.TENANT, "A read-only SAS URL to download a drive, valid for 'hours'", 200,
                        SasRequest.class, true, (ctx, who, body) -> ctx.json(drives.sas(sub(tenants, ctx, who), ctx.pathParam("drive"),
                                body == null ? null : body.account(), body == null ? null : body.hours()))).answering(DriveSas.class),
                new Route(DELETE, DRIVE, Access.TENANT, "Delete a drive and its snapshots (refused while it is mounted for writing)", 204, (ctx, who) -> {
                    drives.delete(who, sub(tenants, ctx, who), ctx.pathParam("drive"), writers);
                    ctx.status(204);
                }));
    }

    private static String sub(Tenants tenants, Context ctx, Principal who) {
        return tenants.actingFor(who, ctx.queryParam("subscription"));
    }
}
