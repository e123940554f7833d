package org.vmrole.host.nbd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 *
 * <p>A host serves its drives on a Unix domain socket ({@link #startUnix}): QEMU runs on the same host, the socket's
 * permissions say who may connect (no port any local user can reach), and a byte costs less CPU through it than
 * through loopback TCP (BENCHMARKS.md, drives fifth session). TCP ({@link #start}) is kept for the benchmark's
 * comparison column.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);
    private static final int SEND_BUFFER = 2 << 20;

    private final ServerSocketChannel socket;
    private final Path socketPath;
    private final int port;
    private final Map<String, BlockDevice> exports = new ConcurrentHashMap<>();
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private NbdServer(ServerSocketChannel socket, Path socketPath, int port) {
        this.socket = socket;
        this.socketPath = socketPath;
        this.port = port;
        this.acceptor = Thread.ofVirtual().name("nbd-accept").start(this::accept);
    }

    /** Listens on TCP {@code address:port} (port 0: the OS picks one, see {@link #port()}). */
    public static NbdServer start(InetAddress address, int port) {
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(address, port));
            return new NbdServer(s, null, ((InetSocketAddress) s.getLocalAddress()).getPort());
        } catch (IOException e) {
            throw new UncheckedIOException("NBD server cannot listen on " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Listens on a Unix domain socket at {@code path}, which only this user may connect to: its directory is made
     * owner-only (0700) and the socket file 0600. A socket file left by an earlier server (an agent that was killed)
     * is replaced, so QEMU's NBD clients reconnect to the same path.
     */
    public static NbdServer startUnix(Path path) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Files.deleteIfExists(path);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return new NbdServer(s, path, -1);
        } catch (IOException e) {
            throw new UncheckedIOException("NBD server cannot listen on Unix socket " + path + " (" + path.toString().length()
                    + " characters; at most 107): " + e.getMessage(), e);
        }
    }

    /** The TCP port listened on; -1 on a Unix socket. */
    public int port() {
        return port;
    }

    /** The Unix socket listened on, if it is one. */
    public Optional<Path> socketPath() {
        return Optional.ofNullable(socketPath);
    }

    /** The URL QEMU's tools open the export with ({@code nbd+unix:///NAME?socket=PATH} or {@code nbd://127.0.0.1:PORT/NAME}). */
    public String url(String export) {
        return socketPath != null ? "nbd+unix:///" + export + "?socket=" + socketPath : "nbd://127.0.0.1:" + port + "/" + export;
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

    private String where() {
        return socketPath != null ? socketPath.toString() : "port " + port;
    }

    private void accept() {
        int n = 0;
        while (socket.isOpen()) {
            try {
                SocketChannel client = socket.accept();
                if (socketPath == null) client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                // a Unix socket takes as much as its send buffer (212992 bytes by default) before the writer waits: room
                // for a whole 1 MiB reply lets it go in one write, one wake-up of QEMU (the kernel caps this at wmem_max)
                else client.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
                n++;
                NbdConnection c = new NbdConnection(this, client, socketPath == null ? client.getRemoteAddress().toString() : "unix client " + n);
                connections.add(c);
                // a platform thread: it reads the requests and sends the replies that are ready at once (NbdConnection),
                // and a platform thread waits for the socket in the kernel where a virtual one is parked and woken by the poller
                Thread.ofPlatform().daemon().name("nbd-" + n).start(() -> {
                    try {
                        c.run();
                    } finally {
                        connections.remove(c);
                    }
                });
            } catch (IOException e) {
                if (socket.isOpen()) LOG.warn("NBD accept on {} failed: {}", where(), e.getMessage());
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
        if (socketPath != null) {
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException e) {
                LOG.debug("NBD socket {} left behind: {}", socketPath, e.getMessage());
            }
        }
    }
}
