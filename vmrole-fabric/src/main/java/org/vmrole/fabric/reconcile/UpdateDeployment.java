package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.Deployment;

/** A deployment's record changed (an upgrade walked on, stopped or finished); {@code deployment} is its new record. */
public record UpdateDeployment(Deployment deployment, String cause) implements Action {
}
