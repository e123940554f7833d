package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Leave the instance unplaced, saying why in its waiting reason. */
public record WaitForCapacity(RoleInstance instance, String cause) implements InstanceAction {
}
