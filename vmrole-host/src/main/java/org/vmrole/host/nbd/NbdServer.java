package org.vmrole.host.nbd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An NBD server (fixed newstyle, simple replies) that exports block devices by name to QEMU's NBD
 * client. No maintained Java NBD server exists, so this is written to NetworkBlockDevice/nbd
 * {@code doc/proto.md}: NBD_OPT_EXPORT_NAME, NBD_OPT_INFO, NBD_OPT_GO, NBD_OPT_LIST and NBD_OPT_ABORT
 * in the handshake; READ, WRITE, FLUSH, TRIM, WRITE_ZEROES and DISC in transmission. Each connection
 * serves requests concurrently on virtual threads and answers them as they finish.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);

    private final ServerSocket socket;
    private final Map<String, BlockDevice> exports = new ConcurrentHashMap<>();
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private NbdServer(ServerSocket socket) {
        this.socket = socket;
        this.acceptor = Thread.ofVirtual().name("nbd-accept-" + socket.getLocalPort()).start(this::accept);
    }

    /** Listens on {@code address:port} (port 0: the OS picks one, see {@link #port()}). */
    public static NbdServer start(InetAddress address, int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, port));
            return new NbdServer(s);
        } catch (IOException e) {
            throw new UncheckedIOException("NBD server cannot listen on " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    public InetAddress address() {
        return socket.getInetAddress();
    }

    /** Offers a device under {@code name}; a name already exported is refused. */
    public void export(String name, BlockDevice device) {
        if (name == null || name.isEmpty() || name.length() > 256) throw new IllegalArgumentException("export name must be 1-256 characters: '" + name + "'");
        if (exports.putIfAbsent(name, device) != null) throw new IllegalStateException("NBD export '" + name + "' is already served");
    }

    /** Stops offering {@code name} and drops the connections that use it. */
    public void unexport(String name) {
        exports.remove(name);
        for (NbdConnection c : connections) if (name.equals(c.exportName())) c.close();
    }

    /** How many clients have an export open. */
    public int clients(String name) {
        return (int) connections.stream().filter(c -> name.equals(c.exportName())).count();
    }

    public List<String> exportNames() {
        return List.copyOf(exports.keySet());
    }

    Optional<BlockDevice> lookup(String name) {
        return Optional.ofNullable(exports.get(name));
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                client.setTcpNoDelay(true);
                NbdConnection c = new NbdConnection(this, client);
                connections.add(c);
                Thread.ofVirtual().name("nbd-" + client.getPort()).start(() -> {
                    try {
                        c.run();
                    } finally {
                        connections.remove(c);
                    }
                });
            } catch (IOException e) {
                if (!socket.isClosed()) LOG.warn("NBD accept on port {} failed: {}", port(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing; nothing to report
        }
        connections.forEach(NbdConnection::close);
        acceptor.interrupt();
    }
}
