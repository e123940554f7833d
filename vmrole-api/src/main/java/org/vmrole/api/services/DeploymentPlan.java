package org.vmrole.api.services;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmrole.api.ApiException;
import org.vmrole.api.tenancy.Usage;
import org.vmrole.fabric.controller.PrivateNetworkPlan;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.service.RoleModel;
import org.vmrole.model.service.ServiceModel;

/** Turns a validated service model into the fabric's desired deployment: image names resolved to digests. Pure. */
public final class DeploymentPlan {
    private DeploymentPlan() {}

    /**
     * @param imageDigest resolves a role's {@code OsImage href} within the subscription to a digest, or null when unknown
     */
    public static Deployment of(String deploymentId, HostedService service, String slot, ServiceModel model, Function<String, String> imageDigest) {
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
            roles.add(new RoleSpec(r.name(), r.size(), r.instanceCount(), digest, r.settingsForInstance(), r.inputBindings(), r.localDisks(),
                    r.internalBindings(), r.userData(), model.healthProbe(r).orElse(null)));
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
