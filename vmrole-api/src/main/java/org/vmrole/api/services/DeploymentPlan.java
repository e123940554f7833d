package org.vmrole.api.services;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.model.service.DriveBinding;
import org.vmrole.api.ApiException;
import org.vmrole.api.tenancy.Usage;
import org.vmrole.fabric.controller.PrivateNetworkPlan;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.image.contents.ImageContents;
import org.vmrole.model.host.HealthProbe;
import org.vmrole.model.service.RoleModel;
import org.vmrole.model.service.ServiceModel;

/** Turns a validated service model into the fabric's desired deployment: image names resolved to digests. Pure. */
public final class DeploymentPlan {
    private DeploymentPlan() {}

    /**
     * @param imageDigest resolves a role's {@code OsImage href} within the subscription to a digest, or null when unknown
     */
    public static Deployment of(String deploymentId, HostedService service, String slot, ServiceModel model, Function<String, String> imageDigest) {
        return of(deploymentId, service, slot, model, imageDigest, digest -> null);
    }

    /**
     * @param contents what upload inspection found in the image of a digest, or null when unknown. A role whose image
     *                 has no agent is judged by its first input endpoint's probe from boot, and refused without one.
     */
    public static Deployment of(String deploymentId, HostedService service, String slot, ServiceModel model, Function<String, String> imageDigest,
                                Function<String, ImageContents> contents) {
        return of(deploymentId, service, slot, model, imageDigest, contents, (role, drive) -> {
            throw ApiException.badRequest("DrivesUnavailable", "role '" + role + "' binds drive '" + drive.name() + "', but this platform resolves no drives", role);
        });
    }

    /** @param drives resolves a role's drive binding within the subscription to what a host attaches, or refuses it with the fix */
    public static Deployment of(String deploymentId, HostedService service, String slot, ServiceModel model, Function<String, String> imageDigest,
                                Function<String, ImageContents> contents, BiFunction<String, DriveBinding, DriveAttachment> drives) {
        List<RoleSpec> roles = new ArrayList<>();
        for (RoleModel r : model.roles()) {
            if (r.image().isEmpty()) {
                throw ApiException.badRequest("MissingImage", "role '" + r.name() + "' names no image; add <OsImage href=\"IMAGE\"/> to its configuration", r.name());
            }
            String digest = imageDigest.apply(r.image());
            if (digest == null) {
                throw ApiException.badRequest("ImageNotFound", "role '" + r.name() + "' runs image '" + r.image()
                        + "', which this subscription has not uploaded; upload it with ./vmrole image upload FILE --name " + r.image(), r.name());
            }
            ImageContents inside = contents.apply(digest);
            boolean agentless = inside != null && inside.knownWithoutAgent();
            HealthProbe probe = model.healthProbe(r).map(p -> p.withFromBoot(agentless)).orElse(null);
            if (agentless && probe == null) {
                throw ApiException.badRequest("NoHealthSource", "role '" + r.name() + "' runs image '" + r.image() + "' (" + inside.os()
                        + "), which has no vmrole guest agent, and the role has no input endpoint whose load-balancer probe could judge"
                        + " its health. Add an <InputEndpoint> (with a <LoadBalancerProbe>) to the role, or install the agent in the image"
                        + " (./vmrole guest-agent deb --out vmrole-guest-agent.deb) and upload it again", r.name());
            }
            List<DriveAttachment> attached = r.drives().stream().map(binding -> drives.apply(r.name(), binding)).toList();
            roles.add(new RoleSpec(r.name(), r.size(), r.instanceCount(), digest, r.settingsForInstance(), r.inputBindings(), r.localDisks(),
                    r.internalBindings(), r.userData(), probe, attached));
        }
        Deployment d = new Deployment(deploymentId, service.qualifiedName(), slot, model.upgradeDomainCount(), roles, false);
        if (PrivateNetworkPlan.hasNetwork(d) && roles.size() > PrivateNetworkPlan.MAX_ROLES) {
            throw ApiException.badRequest("TooManyRoles", "the service has " + roles.size() + " roles and internal endpoints; a private network numbers at most "
                    + PrivateNetworkPlan.MAX_ROLES + " roles. Split the service or drop the internal endpoints", "roles");
        }
        return d;
    }

    /** What a deployment holds against its subscription's limits. */
    public static Usage usage(Deployment d) {
        int cores = 0;
        int instances = 0;
        for (RoleSpec r : d.roles()) {
            cores += r.size().cores() * r.instanceCount();
            instances += r.instanceCount();
        }
        return new Usage(cores, instances, 0, 0);
    }
}
