package org.vmrole.host.qemu;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** The far end of a UNIX socket for tests: accepts one connection and writes what the test says. */
final class UnixSocketPeer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final CompletableFuture<SocketChannel> client = new CompletableFuture<>();

    UnixSocketPeer(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                client.complete(server.accept());
            } catch (IOException e) {
                client.completeExceptionally(e);
            }
        });
    }

    void write(String text) throws Exception {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] bytes) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        SocketChannel c = client.get();
        while (b.hasRemaining()) c.write(b);
    }

    void closeClient() throws Exception {
        client.get().close();
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (client.isDone() && !client.isCompletedExceptionally()) client.join().close();
    }
}
