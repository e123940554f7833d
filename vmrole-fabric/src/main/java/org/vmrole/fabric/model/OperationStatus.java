package org.vmrole.fabric.model;

/** Azure's operation states. */
public enum OperationStatus { InProgress, Succeeded, Failed }
