package org.vmrole.host.lan;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Someone on the network path between two hosts: relays a tunnel's bytes both ways, and can write bytes of its own
 * into the stream towards the listening host, between two of the dialer's writes.
 */
final class PathBetween implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    private final String target;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile OutputStream towardsListener;

    PathBetween(String target) throws IOException {
        this.target = target;
        Thread.ofVirtual().start(this::accept);
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    void injectTowardsListener(byte[] bytes) throws IOException {
        OutputStream out = towardsListener;
        if (out == null) throw new IllegalStateException("no tunnel runs through this path yet");
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket dialer = server.accept();
                int colon = target.lastIndexOf(':');
                Socket listener = new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
                connections.incrementAndGet();
                OutputStream out = listener.getOutputStream();
                towardsListener = out;
                Thread.ofVirtual().start(() -> pump(dialer::getInputStream, () -> out, dialer, listener));
                Thread.ofVirtual().start(() -> pump(listener::getInputStream, dialer::getOutputStream, dialer, listener));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(InputStreamSource from, OutputStreamSource to, Socket a, Socket b) {
        try {
            InputStream in = from.get();
            OutputStream out = to.get();
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            try {
                a.close();
                b.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private interface InputStreamSource {
        InputStream get() throws IOException;
    }

    private interface OutputStreamSource {
        OutputStream get() throws IOException;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
