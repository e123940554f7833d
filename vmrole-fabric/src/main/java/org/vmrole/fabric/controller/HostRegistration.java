package org.vmrole.fabric.controller;

import org.vmrole.model.host.HostCapacity;

/** What a host says about itself when it joins; {@code networkAddress} is its private-network tunnel (may be null). */
public record HostRegistration(String name, HostCapacity capacity, int faultDomain, String networkAddress) {
    public HostRegistration(String name, HostCapacity capacity, int faultDomain) {
        this(name, capacity, faultDomain, null);
    }
}
