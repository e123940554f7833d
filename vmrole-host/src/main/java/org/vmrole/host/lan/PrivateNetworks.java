package org.vmrole.host.lan;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.PeerHost;
import org.vmrole.model.host.PrivateNetwork;
import org.vmrole.model.tls.TlsCredentials;
import org.vmrole.model.tls.TlsIdentity;

/**
 * This host's share of every deployment's private network: one {@link VirtualLan} per deployment it runs instances
 * of, with the instances' NICs attached, and tunnels to the other hosts that run the deployment's other instances.
 * Between two hosts, the one whose name sorts first dials. A tunnel is TLS 1.3 with both hosts' certificates (issued
 * by the controller at join, {@link TlsIdentity}): each end checks that the other's certificate names the host it
 * expects, then both prove they hold the deployment's network key ({@link TunnelHandshake}); every frame after that
 * is encrypted and integrity-checked by TLS.
 */
public final class PrivateNetworks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrivateNetworks.class);
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 5_000;
    private static final long REDIAL_MILLIS = 1_000;

    private final String hostName;
    private final Function<String, Optional<Path>> vmSocket;
    private final SSLServerSocket listener;
    private final SSLSocketFactory dialing;
    private final Map<String, Network> networks = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** One deployment's network on this host. */
    private record Network(VirtualLan lan, Map<String, VmLanPort> vms, Map<String, Dialer> dialers, Map<String, TunnelLink> accepted) {
    }

    /**
     * @param listen   where other hosts' tunnels connect (port 0 picks a free one)
     * @param identity this host's certificate and the controller's authority; tunnels fail until the host has joined
     * @param vmSocket the UNIX socket of an instance's private-network NIC, while the host runs it
     */
    public PrivateNetworks(String hostName, InetSocketAddress listen, TlsIdentity identity, Function<String, Optional<Path>> vmSocket) throws IOException {
        this.hostName = hostName;
        this.vmSocket = vmSocket;
        SSLContext tls = identity.sslContext();
        this.dialing = tls.getSocketFactory();
        this.listener = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
        listener.setNeedClientAuth(true);
        listener.setReuseAddress(true);
        listener.bind(listen);
        Thread.ofVirtual().name("private-network-accept-" + hostName).start(this::acceptLoop);
    }

    /** The host:port other hosts dial, as the controller hands it out. */
    public String address() {
        return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
    }

    /** Makes the networks match the host's assignments: NICs of the instances it runs, tunnels to the hosts of their peers. */
    public synchronized void apply(List<Assignment> assignments) {
        if (closed) return;
        Map<String, List<Assignment>> byDeployment = new HashMap<>();
        for (Assignment a : assignments) {
            if (a.network() != null) byDeployment.computeIfAbsent(a.deploymentId(), d -> new java.util.ArrayList<>()).add(a);
        }
        for (String id : Set.copyOf(networks.keySet())) {
            List<Assignment> wanted = byDeployment.get(id);
            if (wanted == null || !networks.get(id).lan().key().equals(wanted.getFirst().network().key())) closeNetwork(id);
        }
        byDeployment.forEach(this::applyNetwork);
    }

    private void applyNetwork(String deploymentId, List<Assignment> local) {
        Network n = networks.computeIfAbsent(deploymentId, id -> new Network(new VirtualLan(id, local.getFirst().network().key()),
                new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>()));
        Set<String> keys = new HashSet<>();
        Map<String, String> peers = new HashMap<>();
        for (Assignment a : local) {
            keys.add(a.key());
            PrivateNetwork net = a.network();
            for (PeerHost p : net.hosts()) peers.put(p.host(), p.address());
            // a detached copy gets no port: another copy of the instance has its address and MAC on the network
            Optional<Path> socket = net.detached() ? Optional.empty() : vmSocket.apply(a.key());
            VmLanPort port = n.vms().get(a.key());
            if (port != null && (socket.isEmpty() || !socket.get().equals(port.socket()))) {
                port.close();
                n.vms().remove(a.key());
                port = null;
            }
            if (port == null && socket.isPresent()) {
                n.vms().put(a.key(), new VmLanPort(a.key(), socket.get(), net.mac(), net.address(), n.lan()).start());
            }
        }
        n.vms().keySet().removeIf(key -> {
            if (keys.contains(key)) return false;
            n.vms().get(key).close();
            return true;
        });
        peers.remove(hostName);
        n.dialers().entrySet().removeIf(e -> {
            String address = peers.get(e.getKey());
            if (address != null && address.equals(e.getValue().address)) return false;
            e.getValue().close();
            return true;
        });
        peers.forEach((peer, address) -> {
            if (hostName.compareTo(peer) < 0 && !n.dialers().containsKey(peer)) {
                n.dialers().put(peer, new Dialer(n.lan(), peer, address).start());
            }
        });
        n.accepted().entrySet().removeIf(e -> {
            if (peers.containsKey(e.getKey())) return false;
            e.getValue().close();
            return true;
        });
    }

    private void closeNetwork(String deploymentId) {
        Network n = networks.remove(deploymentId);
        if (n == null) return;
        n.vms().values().forEach(VmLanPort::close);
        n.dialers().values().forEach(Dialer::close);
        n.accepted().values().forEach(TunnelLink::close);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SSLSocket s = (SSLSocket) listener.accept();
                Thread.ofVirtual().name("private-network-tunnel-in").start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) log.warn("private network listener of host {} failed: {}", hostName, e.getMessage());
                return;
            }
        }
    }

    private void serve(SSLSocket s) {
        try {
            s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            s.startHandshake();
            String certified = peerName(s);
            DataInputStream in = TunnelLink.input(s);
            OutputStream out = TunnelLink.output(s);
            TunnelHandshake.Accepted who = TunnelHandshake.accept(in, new DataOutputStream(out),
                    id -> Optional.ofNullable(networks.get(id)).map(Network::lan));
            if (!who.clientHost().equals(certified)) {
                throw new IOException("a peer with the certificate of host '" + certified + "' said it was another host");
            }
            s.setSoTimeout(0);
            Network n = networks.get(who.lan().deploymentId());
            if (n == null || n.lan() != who.lan()) {
                s.close();
                return;
            }
            TunnelLink link = new TunnelLink(s, in, out, who.lan(), who.clientHost());
            TunnelLink before = n.accepted().put(who.clientHost(), link);
            if (before != null) before.close();
            link.run();
            n.accepted().remove(who.clientHost(), link);
        } catch (IOException e) {
            // the controller checks at join that this listener is reachable: it connects and closes without a word
            if (e instanceof java.io.EOFException || e instanceof SSLException && e.getCause() instanceof java.io.EOFException) {
                log.debug("connection from {} closed before a handshake", s.getRemoteSocketAddress());
            }
            else if (e instanceof TunnelHandshake.NotCarried) log.info("refused a private network tunnel from {}: {}", s.getRemoteSocketAddress(), e.getMessage());
            else log.warn("refused a private network tunnel from {}: {}", s.getRemoteSocketAddress(), e.getMessage());
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Keeps a tunnel to one peer host up for one network: dials, proves the key, switches, dials again when it breaks. */
    private final class Dialer {
        private final VirtualLan lan;
        private final String peer;
        private final String address;
        private final Thread thread;
        private volatile boolean stopped;
        private volatile TunnelLink link;

        Dialer(VirtualLan lan, String peer, String address) {
            this.lan = lan;
            this.peer = peer;
            this.address = address;
            this.thread = Thread.ofVirtual().name("private-network-tunnel-" + lan.deploymentId() + "-" + peer).unstarted(this::run);
        }

        Dialer start() {
            thread.start();
            return this;
        }

        private void run() {
            boolean warned = false;
            while (!stopped) {
                int colon = address.lastIndexOf(':');
                try (SSLSocket s = (SSLSocket) dialing.createSocket()) {
                    s.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), HANDSHAKE_TIMEOUT_MILLIS);
                    s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
                    s.setTcpNoDelay(true);
                    s.startHandshake();
                    String certified = peerName(s);
                    if (!certified.equals(peer)) throw new IOException("the tunnel listener at " + address + " has the certificate of host '"
                            + certified + "', not of host '" + peer + "'");
                    DataInputStream in = TunnelLink.input(s);
                    OutputStream out = TunnelLink.output(s);
                    TunnelHandshake.dial(in, new DataOutputStream(out), lan.deploymentId(), hostName, lan.key());
                    s.setSoTimeout(0);
                    log.info("private network of {}: tunnel from host {} to host {} is up", lan.deploymentId(), hostName, peer);
                    warned = false;
                    TunnelLink l = new TunnelLink(s, in, out, lan, peer);
                    link = l;
                    if (!stopped) l.run();
                } catch (IOException | RuntimeException e) {
                    if (!stopped && !warned) log.info("private network of {}: no tunnel to host {} at {} yet ({}); retrying", lan.deploymentId(), peer, address, e.getMessage());
                    warned = true;
                } finally {
                    link = null;
                }
                if (stopped) return;
                try {
                    Thread.sleep(REDIAL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void close() {
            stopped = true;
            TunnelLink l = link;
            if (l != null) l.close();
            thread.interrupt();
        }
    }

    /** The host name the peer's certificate gives (the handshake already checked the controller signed it). */
    private static String peerName(SSLSocket s) throws IOException {
        var chain = s.getSession().getPeerCertificates();
        return TlsCredentials.commonName((X509Certificate) chain[0]);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (String id : Set.copyOf(networks.keySet())) closeNetwork(id);
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
