package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** A step of a make-before-break move: the old copy leaves the rotation, or is dropped so its host stops it. */
public record HandOver(RoleInstance instance, String cause) implements InstanceAction {
}
