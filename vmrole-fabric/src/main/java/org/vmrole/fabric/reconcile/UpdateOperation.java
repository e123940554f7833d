package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.Operation;

/** An operation made progress or finished; {@code operation} is its new record. */
public record UpdateOperation(Operation operation, String cause) implements Action {
}
