package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Hold a crashing instance back (CyclingRole) until its healing record's restart time. */
public record BackOffInstance(RoleInstance instance, String cause) implements InstanceAction {
}
