package org.vmrole.model.service;

/** An endpoint reachable only from the other instances of the same deployment, on their private network. */
public record InternalEndpoint(String name, Protocol protocol, int port) {
    public InternalEndpoint {
        if (name == null || protocol == null) throw new IllegalArgumentException("internal endpoint needs a name and a protocol");
    }
}
