package org.vmrole.model.host;

/**
 * What a host says about itself when it joins the fabric; {@code networkAddress} is the host:port its private-network
 * tunnel listens on (null for a host that carries no private networks).
 */
public record HostJoin(String host, int faultDomain, HostCapacity capacity, String networkAddress) {
    public HostJoin(String host, int faultDomain, HostCapacity capacity) {
        this(host, faultDomain, capacity, null);
    }
}
