package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** Run an instance on the host its record now names (new, or wanted again after a scale-in). */
public record StartInstance(RoleInstance instance, String cause) implements InstanceAction {
}
