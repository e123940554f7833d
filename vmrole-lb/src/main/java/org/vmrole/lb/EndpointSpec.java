package org.vmrole.lb;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A listener to open: its name (the input endpoint's name), protocol, address (port 0 = assign one),
 * whether HTTP requests get {@code X-Forwarded-For}, and how long a backend connect may take before the
 * next backend in rotation is tried.
 */
public record EndpointSpec(String name, Protocol protocol, InetSocketAddress bind, boolean forwardedFor,
                           Duration connectTimeout) {

    /** The load-balancer address when none is given. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    public EndpointSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("endpoint name is empty: give the input endpoint's name from the service definition");
        }
        Objects.requireNonNull(protocol, () -> "endpoint '" + name + "' has no protocol: TCP or HTTP");
        Objects.requireNonNull(bind, () -> "endpoint '" + name + "' has no address");
        if (forwardedFor && protocol != Protocol.HTTP) {
            throw new IllegalArgumentException("endpoint '" + name + "' asks for X-Forwarded-For but is " + protocol
                    + ": only HTTP endpoints can carry it");
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("endpoint '" + name + "' connectTimeout is " + connectTimeout + ": give a positive duration");
        }
    }

    /** A TCP endpoint on 127.0.0.1; port 0 lets the system assign one. */
    public static EndpointSpec tcp(String name, int port) {
        return new EndpointSpec(name, Protocol.TCP, new InetSocketAddress(DEFAULT_HOST, port), false, Duration.ofSeconds(2));
    }

    /** An HTTP endpoint on 127.0.0.1 without X-Forwarded-For; port 0 lets the system assign one. */
    public static EndpointSpec http(String name, int port) {
        return new EndpointSpec(name, Protocol.HTTP, new InetSocketAddress(DEFAULT_HOST, port), false, Duration.ofSeconds(2));
    }

    public EndpointSpec withForwardedFor(boolean on) {
        return new EndpointSpec(name, protocol, bind, on, connectTimeout);
    }

    public EndpointSpec withBind(InetSocketAddress address) {
        return new EndpointSpec(name, protocol, address, forwardedFor, connectTimeout);
    }

    public EndpointSpec withConnectTimeout(Duration timeout) {
        return new EndpointSpec(name, protocol, bind, forwardedFor, timeout);
    }
}
