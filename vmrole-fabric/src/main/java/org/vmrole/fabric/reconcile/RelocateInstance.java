package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Move the instance off {@code fromHost} with a new incarnation; it is placed elsewhere, or waits when nothing fits. */
public record RelocateInstance(RoleInstance instance, String fromHost, String cause) implements InstanceAction {
}
