package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Withdraw an instance from its host (scale-in or delete); the record stays until the host has stopped it. */
public record StopInstance(RoleInstance instance, String cause) implements InstanceAction {
}
