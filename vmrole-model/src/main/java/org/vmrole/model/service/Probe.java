package org.vmrole.model.service;

/**
 * A load-balancer probe: an HTTP GET of {@code path} (healthy on 200) or a TCP connect, every
 * {@code intervalSeconds}; an instance that has not answered for {@code timeoutSeconds} is taken out of
 * rotation. Port 0 means the port of the endpoint that uses the probe.
 */
public record Probe(String name, Protocol protocol, String path, int port, int intervalSeconds, int timeoutSeconds) {
    public static final int DEFAULT_INTERVAL_SECONDS = 15;
    public static final int DEFAULT_TIMEOUT_SECONDS = 31;

    public Probe {
        if (name == null || protocol == null || path == null) throw new IllegalArgumentException("probe needs a name, a protocol and a path (maybe empty)");
    }
}
