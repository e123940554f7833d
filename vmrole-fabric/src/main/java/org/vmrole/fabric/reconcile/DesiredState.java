package org.vmrole.fabric.reconcile;

import java.util.Map;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleInstance;

/**
 * What the controller wants, keyed by id: deployments, instances (by {@link RoleInstance#key()}), hosts by name,
 * operations. The reconciler only reads these maps; callers may pass read-only views of live maps.
 */
public record DesiredState(
        Map<String, Deployment> deployments,
        Map<String, RoleInstance> instances,
        Map<String, Host> hosts,
        Map<String, Operation> operations) {
}
