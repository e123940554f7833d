package org.vmrole.api.services;

import java.util.List;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.reconcile.InstanceView;

/** A deployment as its owner sees it: where it sits, its roles, and every instance with state, host, FD, UD and incarnation. */
public record DeploymentView(String id, String service, String slot, int upgradeDomainCount, boolean deleting, List<RoleView> roles,
                             List<InstanceView> instances) {

    /** A role of the deployment. */
    public record RoleView(String name, String size, int instanceCount, String imageDigest) {}

    public static DeploymentView of(HostedService service, Deployment d, List<InstanceView> instances) {
        return new DeploymentView(d.id(), service.name(), d.slot(), d.upgradeDomainCount(), d.deleting(),
                d.roles().stream().map(r -> new RoleView(r.name(), r.size().name(), r.instanceCount(), r.imageDigest())).toList(), instances);
    }

    static int instanceCount(Deployment d) {
        return d.roles().stream().mapToInt(RoleSpec::instanceCount).sum();
    }
}
