package org.vmrole.model.host;

/**
 * What a host says about itself when it joins the fabric; {@code networkAddress} is the host:port its private-network
 * tunnel listens on (null for a host that carries no private networks), {@code address} the IPv4 address its
 * instances' endpoints are published on (null: 127.0.0.1, a host on the controller's own machine).
 */
public record HostJoin(String host, int faultDomain, HostCapacity capacity, String networkAddress, String address) {
    public HostJoin(String host, int faultDomain, HostCapacity capacity) {
        this(host, faultDomain, capacity, null, null);
    }
}
