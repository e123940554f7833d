package org.vmrole.fabric.controller;

import org.vmrole.model.host.HostCapacity;

/**
 * What a host says about itself when it joins; {@code networkAddress} is its private-network tunnel (may be null),
 * {@code address} where its instances' endpoints are reached (null: 127.0.0.1).
 */
public record HostRegistration(String name, HostCapacity capacity, int faultDomain, String networkAddress, String address) {
    public HostRegistration(String name, HostCapacity capacity, int faultDomain) {
        this(name, capacity, faultDomain, null, null);
    }

    public HostRegistration(String name, HostCapacity capacity, int faultDomain, String networkAddress) {
        this(name, capacity, faultDomain, networkAddress, null);
    }
}
