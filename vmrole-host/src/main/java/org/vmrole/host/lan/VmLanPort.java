package org.vmrole.host.lan;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's private-network NIC: QEMU listens on a UNIX socket ({@code -netdev stream,server=on}) and this port
 * connects to it, again whenever QEMU restarts (reimage) or this host agent restarts. Frames whose source MAC is not
 * the VM's own are dropped, so a guest cannot pose as another instance. Each time it connects it announces the VM
 * (a gratuitous ARP from its MAC, as QEMU's {@code announce-self} does after a migration), so every switch and guest
 * learns where the instance is now, also when another copy of it had the address a moment ago.
 */
final class VmLanPort implements LanPort {
    private static final Logger log = LoggerFactory.getLogger(VmLanPort.class);
    /** How often to try a socket that is not there yet (QEMU still starting). */
    private static final long RETRY_MILLIS = 200;

    private final String instanceKey;
    private final Path socket;
    private final long mac;
    private final byte[] address;
    private final VirtualLan lan;
    private final Thread reader;
    private final Object writing = new Object();
    private volatile OutputStream out;
    private volatile SocketChannel channel;
    private volatile boolean closed;

    VmLanPort(String instanceKey, Path socket, String mac, String address, VirtualLan lan) {
        this.instanceKey = instanceKey;
        this.socket = socket;
        this.mac = VirtualLan.parseMac(mac);
        this.address = ipv4(address);
        this.lan = lan;
        this.reader = Thread.ofVirtual().name("lan-vm-" + instanceKey).unstarted(this::run);
    }

    VmLanPort start() {
        lan.attach(this);
        reader.start();
        return this;
    }

    Path socket() { return socket; }

    @Override
    public boolean remote() {
        return false;
    }

    private void run() {
        byte[] buffer = new byte[FrameStream.MAX_FRAME];
        boolean warned = false;
        while (!closed) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel = ch;
                out = new BufferedOutputStream(Channels.newOutputStream(ch), FrameStream.MAX_FRAME + 4);
                log.debug("{}: private network NIC connected", instanceKey);
                warned = false;
                announce();
                DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16));
                while (!closed) {
                    int length = FrameStream.read(in, buffer);
                    if (length >= VirtualLan.MIN_FRAME && VirtualLan.mac(buffer, 6) == mac) lan.deliver(this, buffer, length);
                }
            } catch (IOException e) {
                if (!closed && !warned) {
                    log.debug("{}: private network NIC not connected ({}); retrying", instanceKey, e.getMessage());
                    warned = true;
                }
            } finally {
                out = null;
                channel = null;
            }
            if (closed) break;
            try {
                Thread.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    /**
     * Now, and again after 1 and 3 s (as QEMU's announce-self repeats): the other copy of a moving instance leaves the
     * network on its host's next heartbeat, and a frame it sent meanwhile would have taught the switches its place.
     */
    private void announce() {
        byte[] frame = VirtualLan.gratuitousArp(mac, address);
        lan.deliver(this, frame, frame.length);
        Thread.ofVirtual().name("lan-announce-" + instanceKey).start(() -> {
            try {
                for (long wait : new long[] {1_000, 2_000}) {
                    Thread.sleep(wait);
                    if (closed || out == null) return;
                    lan.deliver(this, frame, frame.length);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static byte[] ipv4(String address) {
        String[] parts = address.split("\\.");
        if (parts.length != 4) throw new IllegalArgumentException("private address '" + address + "' is not an IPv4 address");
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) out[i] = (byte) Integer.parseInt(parts[i]);
        return out;
    }

    @Override
    public void send(byte[] frame, int length) {
        OutputStream o = out;
        if (o == null) return;
        synchronized (writing) {
            try {
                FrameStream.write(o, frame, length);
            } catch (IOException e) {
                // the VM went away; the reader notices and reconnects
            }
        }
    }

    void close() {
        closed = true;
        lan.detach(this);
        SocketChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        reader.interrupt();
    }
}
