package org.vmrole.model.host;

/** An internal endpoint of a role: reachable by the deployment's other instances on the private network only. */
public record InternalBinding(String name, String protocol, int port) {
    public InternalBinding {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("internal endpoint has no name");
        if (!"tcp".equals(protocol) && !"http".equals(protocol) && !"udp".equals(protocol)) {
            throw new IllegalArgumentException("internal endpoint '" + name + "': protocol '" + protocol + "' must be tcp, http or udp");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("internal endpoint '" + name + "': port " + port + " is outside 1-65535");
    }
}
