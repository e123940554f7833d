package org.vmrole.model.host;

/** What a host says about itself when it joins the fabric. */
public record HostJoin(String host, int faultDomain, HostCapacity capacity) {
}
