package org.vmrole.model.host;

/**
 * What a host says about itself when it joins the fabric; {@code networkAddress} is the host:port its private-network
 * tunnel listens on (null for a host that carries no private networks), {@code address} the IPv4 address its
 * instances' endpoints are published on (null: 127.0.0.1, a host on the controller's own machine), {@code publicKey}
 * the key it made for this join (base64 of an EC P-256 SubjectPublicKeyInfo), which the controller answers with a
 * certificate for it (null: no certificate, only for a host on the controller's machine over loopback).
 */
public record HostJoin(String host, int faultDomain, HostCapacity capacity, String networkAddress, String address, String publicKey) {
    public HostJoin(String host, int faultDomain, HostCapacity capacity, String networkAddress, String address) {
        this(host, faultDomain, capacity, networkAddress, address, null);
    }

    public HostJoin(String host, int faultDomain, HostCapacity capacity) {
        this(host, faultDomain, capacity, null, null, null);
    }

    public HostJoin withPublicKey(String key) {
        return new HostJoin(host, faultDomain, capacity, networkAddress, address, key);
    }
}
