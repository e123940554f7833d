package org.vmrole.api.services;

import java.util.List;
import org.vmrole.api.traffic.PublicEndpoints;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.model.host.EndpointBinding;

/** A deployment as its owner sees it: where it sits, its roles, and every instance with state, host, FD, UD and incarnation. */
public record DeploymentView(String id, String service, String slot, int upgradeDomainCount, boolean deleting, List<RoleView> roles,
                             List<PublicEndpoints.PublicEndpoint> loadBalancer, List<InstanceStatus> instances) {

    /** A role of the deployment. */
    public record RoleView(String name, String size, int instanceCount, String imageDigest) {}

    /** An instance: the fabric's view of it, and where its endpoints are reachable on its host. */
    public record InstanceStatus(String instance, String state, String host, int faultDomain, int updateDomain, long incarnation,
                                 String lastCause, String waitingReason, String message, List<EndpointBinding> endpoints) {
        static InstanceStatus of(InstanceView v, List<EndpointBinding> endpoints) {
            return new InstanceStatus(v.instance(), v.state().name(), v.host(), v.faultDomain(), v.updateDomain(), v.incarnation(),
                    v.lastCause(), v.waitingReason(), v.message(), endpoints);
        }
    }

    public static DeploymentView of(HostedService service, Deployment d, List<InstanceStatus> instances, List<PublicEndpoints.PublicEndpoint> lb) {
        return new DeploymentView(d.id(), service.name(), d.slot(), d.upgradeDomainCount(), d.deleting(),
                d.roles().stream().map(r -> new RoleView(r.name(), r.size().name(), r.instanceCount(), r.imageDigest())).toList(), lb, instances);
    }
}
