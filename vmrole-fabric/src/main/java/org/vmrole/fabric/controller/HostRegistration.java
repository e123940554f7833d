package org.vmrole.fabric.controller;

import org.vmrole.model.host.HostCapacity;

/** What a host says about itself when it joins. */
public record HostRegistration(String name, HostCapacity capacity, int faultDomain) {
}
