package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** The instance has been healthy long enough: its healing memory is cleared. */
public record RecordRecovery(RoleInstance instance, String cause) implements InstanceAction {
}
