package org.vmrole.fabric.reconcile;

/** Something the reconciler decided should happen, and why. */
public sealed interface Action permits InstanceAction, MarkHostDown, MarkHostUp, RemoveDeployment, UpdateDeployment, UpdateOperation {
    String cause();
}
