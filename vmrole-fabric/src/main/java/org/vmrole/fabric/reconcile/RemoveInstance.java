package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Forget an instance whose host no longer runs it. */
public record RemoveInstance(RoleInstance instance, String cause) implements InstanceAction {
}
