package org.vmrole.bench.lan;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stands where QEMU's {@code -netdev stream,server=on} stands for the benchmark: a UNIX socket the host's private
 * network connects to, sending and counting length-prefixed Ethernet frames as fast as they go.
 */
final class NicEndpoint implements AutoCloseable {
    final AtomicLong framesIn = new AtomicLong();
    private final ServerSocketChannel server;
    private final CountDownLatch connected = new CountDownLatch(1);
    private volatile SocketChannel channel;
    private volatile OutputStream out;
    private volatile byte[] echo;

    NicEndpoint(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofPlatform().daemon().start(this::serve);
    }

    private void serve() {
        try {
            SocketChannel ch = server.accept();
            channel = ch;
            out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            connected.countDown();
            countFrames(Channels.newInputStream(ch), framesIn, () -> {
                byte[] reply = echo;
                if (reply != null) send(reply);
            });
        } catch (IOException e) {
            // closed at the end of the run
        }
    }

    /** Reads length-prefixed frames until the stream ends, counting them. */
    static void countFrames(java.io.InputStream stream, AtomicLong counter) throws IOException {
        countFrames(stream, counter, () -> { });
    }

    private interface OnFrame {
        void heard() throws IOException;
    }

    private static void countFrames(java.io.InputStream stream, AtomicLong counter, OnFrame then) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        byte[] buffer = new byte[65_536];
        while (true) {
            int n = in.readInt();
            in.readFully(buffer, 0, n);
            counter.incrementAndGet();
            then.heard();
        }
    }

    /** From now on, answers every frame it receives with {@code reply} (a round trip for latency). */
    void echo(byte[] reply) {
        this.echo = reply;
    }

    void awaitConnected() throws InterruptedException {
        connected.await();
    }

    /** Sends one frame and flushes it (a NIC hands frames over one by one). */
    synchronized void send(byte[] frame) throws IOException {
        out.write(new byte[] {(byte) (frame.length >>> 24), (byte) (frame.length >>> 16), (byte) (frame.length >>> 8), (byte) frame.length});
        out.write(frame);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        SocketChannel c = channel;
        if (c != null) c.close();
    }
}
