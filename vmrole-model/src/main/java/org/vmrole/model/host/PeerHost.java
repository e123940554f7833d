package org.vmrole.model.host;

/** Another host that runs instances of the same deployment, and the host:port its private-network tunnel listens on. */
public record PeerHost(String host, String address) {
}
