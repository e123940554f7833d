package org.vmrole.fabric.placement;

/** A host that may take instances, with its fault domain and what it has free. */
public record HostOffer(String host, int faultDomain, FreeCapacity free) {
}
