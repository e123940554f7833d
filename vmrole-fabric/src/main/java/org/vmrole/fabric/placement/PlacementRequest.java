package org.vmrole.fabric.placement;

import org.vmrole.model.VmSize;

/**
 * An instance that needs a host. {@code spreadGroup} names the instances whose fault domains should spread
 * (a deployment's role); {@code avoidHost} (may be null) is a host it must not land on, e.g. the one it crashed on.
 */
public record PlacementRequest(String instanceKey, String spreadGroup, VmSize size, String avoidHost) {
}
