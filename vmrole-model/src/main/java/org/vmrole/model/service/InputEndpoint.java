package org.vmrole.model.service;

import java.util.Optional;

/**
 * A load-balanced endpoint: the service-wide {@code port} clients reach, the {@code localPort} the role
 * listens on inside each instance, and the probe that decides whether an instance gets traffic.
 */
public record InputEndpoint(String name, Protocol protocol, int port, int localPort, Optional<String> probe) {
    public InputEndpoint {
        if (name == null || protocol == null || probe == null) throw new IllegalArgumentException("input endpoint needs a name, a protocol and a probe (maybe empty)");
    }
}
