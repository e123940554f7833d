package org.vmrole.lb;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/** One open listener of the load balancer: where clients connect, and its counters. */
public final class InputEndpoint implements AutoCloseable {

    private final EndpointSpec spec;
    private final Route route;
    private final Channel server;
    private final ChannelGroup connections;
    private final EndpointCounters counters;
    private final Consumer<InputEndpoint> onClose;

    InputEndpoint(EndpointSpec spec, Route route, Channel server, ChannelGroup connections, EndpointCounters counters,
                  Consumer<InputEndpoint> onClose) {
        this.spec = spec;
        this.route = route;
        this.server = server;
        this.connections = connections;
        this.counters = counters;
        this.onClose = onClose;
    }

    public String name() {
        return spec.name();
    }

    public EndpointSpec spec() {
        return spec;
    }

    Route route() {
        return route;
    }

    /** The bound address; its port is the assigned one when the spec asked for port 0. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public EndpointMetrics metrics() {
        return counters.snapshot(spec.name());
    }

    /** Stops listening and closes this listener's client connections (the endpoint is gone). */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        onClose.accept(this);
    }
}
