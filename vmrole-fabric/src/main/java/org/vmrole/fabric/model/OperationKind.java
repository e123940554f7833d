package org.vmrole.fabric.model;

/** The asynchronous requests the fabric tracks. */
public enum OperationKind { CreateDeployment, DeleteDeployment, ScaleRole, RebootInstance, ReimageInstance, UpgradeDeployment, WalkUpgradeDomain, RollbackUpgrade }
