package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Start the instance afresh on the same host: its incarnation grew, the host discards the VM and overlay. */
public record ReimageInstance(RoleInstance instance, String cause) implements InstanceAction {
}
