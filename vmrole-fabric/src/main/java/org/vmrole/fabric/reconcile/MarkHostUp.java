package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.Host;

/** A host marked Down beats again; {@code host} is its record with status Up. */
public record MarkHostUp(Host host, String cause) implements Action {
}
