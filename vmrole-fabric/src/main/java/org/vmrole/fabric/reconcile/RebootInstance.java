package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Reset the instance's VM and keep its overlay: its reboot generation grew. */
public record RebootInstance(RoleInstance instance, String cause) implements InstanceAction {
}
