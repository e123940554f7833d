package org.vmrole.model.host;

/** An endpoint of an instance: the port the role listens on in the guest and the host port forwarded to it. */
public record EndpointBinding(String name, String protocol, int guestPort, int hostPort) {
    public EndpointBinding {
        if (guestPort < 1 || guestPort > 65535) throw new IllegalArgumentException("endpoint '" + name + "': guest port " + guestPort + " is outside 1-65535");
        if (hostPort < 0 || hostPort > 65535) throw new IllegalArgumentException("endpoint '" + name + "': host port " + hostPort + " is outside 0-65535 (0 picks a free one)");
    }
}
