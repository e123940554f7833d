package org.vmrole.api.services;

import java.util.List;
import org.vmrole.api.traffic.PublicEndpoints;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Upgrade;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.reconcile.Sla;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.ObservedDrive;

/**
 * A deployment as its owner sees it: where it sits, its roles, whether it keeps the SLA (and why not), and every
 * instance with state, host, FD, UD and incarnation.
 */
public record DeploymentView(String id, String service, String slot, int upgradeDomainCount, boolean deleting, int version,
                             UpgradeView upgrade, List<RoleView> roles, Sla sla,
                             List<PublicEndpoints.PublicEndpoint> loadBalancer, List<InstanceStatus> instances) {

    /** A rolling upgrade under way: where it goes, how, which domain is in flight, which are walked, and why it stopped. */
    public record UpgradeView(int targetVersion, String mode, boolean rollback, String state, int currentDomain, List<Integer> walkedDomains,
                              List<Integer> pendingDomains, String reason, String operationId) {
        static UpgradeView of(Upgrade u) {
            return u == null ? null : new UpgradeView(u.targetVersion(), u.mode().name().toLowerCase(java.util.Locale.ROOT), u.rollback(), u.state().name(),
                    u.currentDomain(), u.walkedDomains(), u.pendingDomains(), u.reason(), u.operationId());
        }
    }

    /** A role of the deployment. */
    public record RoleView(String name, String size, int instanceCount, String imageDigest) {}

    /**
     * An instance: the fabric's view of it, where its endpoints are reachable on its host, and its address on the
     * deployment's private network (null when no role declares an internal endpoint), the guest agent that said hello
     * and where the state comes from ({@code agent} or {@code probe}), and its drives: name, mode and the writer's lease
     * ({@code held}, {@code lost}, or {@code none} for a snapshot) with its holder.
     */
    public record InstanceStatus(String instance, String state, String host, int faultDomain, int updateDomain, long incarnation,
                                 String lastCause, String waitingReason, String message, List<EndpointStatus> endpoints, String privateAddress,
                                 String agent, String healthFrom, List<ObservedDrive> drives) {
        static InstanceStatus of(InstanceView v, String hostAddress, List<EndpointBinding> endpoints, String privateAddress) {
            return new InstanceStatus(v.instance(), v.state().name(), v.host(), v.faultDomain(), v.updateDomain(), v.incarnation(),
                    v.lastCause(), v.waitingReason(), v.message(), endpoints.stream().map(e -> EndpointStatus.of(hostAddress, e)).toList(), privateAddress,
                    v.agent(), v.healthFrom(), v.drives());
        }
    }

    /** An instance endpoint as its host publishes it; {@code reachedAt} is the address:port the load balancer dials. */
    public record EndpointStatus(String name, String protocol, int guestPort, int hostPort, String reachedAt) {
        static EndpointStatus of(String hostAddress, EndpointBinding e) {
            return new EndpointStatus(e.name(), e.protocol(), e.guestPort(), e.hostPort(), hostAddress + ":" + e.hostPort());
        }
    }

    public static DeploymentView of(HostedService service, Deployment d, List<InstanceStatus> instances, Sla sla, List<PublicEndpoints.PublicEndpoint> lb) {
        return new DeploymentView(d.id(), service.name(), d.slot(), d.upgradeDomainCount(), d.deleting(), d.version(), UpgradeView.of(d.upgrade()),
                d.roles().stream().map(r -> new RoleView(r.name(), r.size().name(), r.instanceCount(), r.imageDigest())).toList(), sla, lb, instances);
    }
}
