package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.Host;

/** The host's heartbeats stopped for longer than its timeout; {@code host} is its record with status Down. */
public record MarkHostDown(Host host, String cause) implements Action {
}
