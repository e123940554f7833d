package org.vmrole.host.relay;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.model.host.EndpointBinding;

/**
 * Publishes instance endpoints on the host's own address so that the load balancer on another machine reaches them.
 * QEMU forwards each endpoint on 127.0.0.1 only (its user network, restricted, answers guests that have no route
 * beyond their gateway); a listener per endpoint on the host's address relays each connection to that loopback port.
 * The relay keeps the port number where it is free on the address, so an endpoint has one port on this machine.
 */
public final class EndpointRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EndpointRelay.class);

    private final InetAddress address;
    private final Map<Integer, Listener> byLoopbackPort = new HashMap<>();
    private boolean closed;

    public EndpointRelay(InetAddress address) {
        if (address.isAnyLocalAddress()) throw new IllegalArgumentException("an endpoint relay needs a concrete address, not " + address.getHostAddress());
        this.address = address;
    }

    /**
     * Makes every given endpoint (its host port on 127.0.0.1) reachable on this host's address, stops relaying those no
     * longer given, and answers the endpoints with the ports other machines dial.
     */
    public synchronized Map<String, List<EndpointBinding>> publish(Map<String, List<EndpointBinding>> loopback) {
        if (closed) return Map.of();
        Set<Integer> wanted = new HashSet<>();
        Map<String, List<EndpointBinding>> out = new HashMap<>();
        loopback.forEach((instance, bindings) -> {
            List<EndpointBinding> published = new ArrayList<>();
            for (EndpointBinding b : bindings) {
                wanted.add(b.hostPort());
                Listener l = byLoopbackPort.computeIfAbsent(b.hostPort(), this::open);
                if (l != null) published.add(new EndpointBinding(b.name(), b.protocol(), b.guestPort(), l.port()));
                else byLoopbackPort.remove(b.hostPort());
            }
            out.put(instance, published);
        });
        byLoopbackPort.entrySet().removeIf(e -> {
            if (wanted.contains(e.getKey())) return false;
            e.getValue().close();
            return true;
        });
        return out;
    }

    private Listener open(int loopbackPort) {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            try {
                server.bind(new InetSocketAddress(address, loopbackPort), 128);
            } catch (BindException taken) {
                server.bind(new InetSocketAddress(address, 0), 128);
            }
            return new Listener(server, loopbackPort);
        } catch (IOException e) {
            log.warn("cannot publish 127.0.0.1:{} on {}: {}", loopbackPort, address.getHostAddress(), e.getMessage());
            return null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        byLoopbackPort.values().forEach(Listener::close);
        byLoopbackPort.clear();
    }

    /** One published endpoint: accepts on the host's address and relays to the loopback port. */
    private static final class Listener {
        private final ServerSocket server;
        private final int loopbackPort;
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();
        private final Thread acceptor;

        Listener(ServerSocket server, int loopbackPort) {
            this.server = server;
            this.loopbackPort = loopbackPort;
            this.acceptor = Thread.ofVirtual().name("endpoint-relay-" + server.getLocalPort()).start(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Thread.ofVirtual().name("endpoint-relay-conn").start(() -> relay(client));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void relay(Socket client) {
            open.add(client);
            try (client; Socket backend = new Socket()) {
                open.add(backend);
                client.setTcpNoDelay(true);
                backend.setTcpNoDelay(true);
                backend.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), loopbackPort), 5_000);
                Thread back = Thread.ofVirtual().name("endpoint-relay-back").start(() -> pump(backend, client));
                pump(client, backend);
                back.join();
                open.remove(backend);
            } catch (IOException e) {
                // the client sees its connection closed, as it would if the instance refused it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.remove(client);
            }
        }

        /** Copies one direction; its end is passed on as a half close, so request/response protocols finish. */
        private static void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (IOException e) {
                try {
                    to.close();
                    from.close();
                } catch (IOException ignored) {
                    // both ends are being closed
                }
            }
        }

        /**
         * Stops listening before it returns. A socket closed while a virtual thread waits in accept keeps its
         * descriptor, still accepting, until that thread has woken up; waiting for it means a connection after
         * close is refused and the port is free to be bound again at once.
         */
        void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                acceptor.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
