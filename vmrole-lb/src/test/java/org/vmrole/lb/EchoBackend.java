package org.vmrole.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** An in-test TCP backend that echoes every byte and closes when the client has shut its output. */
final class EchoBackend implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    EchoBackend() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        executor.submit(this::acceptLoop);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    private Void acceptLoop() throws IOException {
        while (!server.isClosed()) {
            Socket s = server.accept();
            executor.submit(() -> echo(s));
        }
        return null;
    }

    private Void echo(Socket s) throws IOException {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        executor.shutdownNow();
    }
}
