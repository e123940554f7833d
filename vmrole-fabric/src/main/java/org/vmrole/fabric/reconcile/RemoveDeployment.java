package org.vmrole.fabric.reconcile;

/** A deleted deployment has no instance left anywhere; its record goes. */
public record RemoveDeployment(String deploymentId, String cause) implements Action {
}
