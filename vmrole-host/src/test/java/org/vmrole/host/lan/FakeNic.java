package org.vmrole.host.lan;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The host side of a VM's private-network NIC as QEMU's {@code -netdev stream,server=on} offers it: a UNIX socket speaking length-prefixed frames. */
final class FakeNic implements AutoCloseable {
    final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    /** ARP frames (announcements) are kept apart, so a test reads the frames it sent in order. */
    final BlockingQueue<byte[]> arp = new LinkedBlockingQueue<>();
    private final ServerSocketChannel server;
    private volatile SocketChannel client;
    private volatile OutputStream out;

    FakeNic(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(this::serve);
    }

    private void serve() {
        try {
            while (true) {
                SocketChannel ch = server.accept();
                client = ch;
                out = Channels.newOutputStream(ch);
                DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
                byte[] buffer = new byte[FrameStream.MAX_FRAME];
                try {
                    while (true) {
                        int n = FrameStream.read(in, buffer);
                        byte[] frame = java.util.Arrays.copyOf(buffer, n);
                        boolean isArp = n >= 14 && (frame[12] & 0xff) == 0x08 && (frame[13] & 0xff) == 0x06;
                        (isArp ? arp : received).add(frame);
                    }
                } catch (IOException e) {
                    // the switch went away: wait for it to come back, as QEMU does
                }
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    boolean connected() {
        return out != null;
    }

    void send(byte[] frame) throws IOException {
        FrameStream.write(out, frame, frame.length);
    }

    byte[] next() throws InterruptedException {
        return received.poll(10, TimeUnit.SECONDS);
    }

    /** An Ethernet frame from {@code src} to {@code dst} carrying {@code text}. */
    static byte[] frame(String dst, String src, String text) {
        byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] f = new byte[14 + payload.length];
        put(f, 0, VirtualLan.parseMac(dst));
        put(f, 6, VirtualLan.parseMac(src));
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    static String text(byte[] frame) {
        return new String(frame, 14, frame.length - 14, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void put(byte[] f, int offset, long mac) {
        for (int i = 5; i >= 0; i--) {
            f[offset + i] = (byte) mac;
            mac >>>= 8;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        SocketChannel c = client;
        if (c != null) c.close();
    }
}
