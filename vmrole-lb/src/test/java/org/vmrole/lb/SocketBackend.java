package org.vmrole.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** An in-test backend on a loopback port: accepts every connection and hands it to {@link #serve} on a virtual thread. */
abstract class SocketBackend implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    SocketBackend() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        executor.submit(this::acceptLoop);
    }

    final InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** Answers one connection; closes it when done. */
    abstract void serve(Socket s) throws IOException;

    private Void acceptLoop() throws IOException {
        while (!server.isClosed()) {
            Socket s = server.accept();
            executor.submit(() -> {
                serve(s);
                return null;
            });
        }
        return null;
    }

    @Override
    public final void close() throws IOException {
        server.close();
        executor.shutdownNow();
    }
}
