package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UNIX socket carrying one JSON object per line, read on its own virtual thread. Used for QMP and for
 * the guest agent channel. Lines longer than the limit are dropped, as are lines that are not JSON.
 */
final class JsonLineChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JsonLineChannel.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final Path path;
    private final int maxLine;
    private final Object writeLock = new Object();
    private volatile boolean closed;

    private JsonLineChannel(SocketChannel channel, Path path, int maxLine) {
        this.channel = channel;
        this.path = path;
        this.maxLine = maxLine;
    }

    /** Connects and starts reading; {@code onLine} gets each object, {@code onClose} runs once at the end. */
    static JsonLineChannel open(Path socket, int maxLine, Consumer<JsonNode> onLine, Runnable onClose) throws IOException {
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        JsonLineChannel c = new JsonLineChannel(ch, socket, maxLine);
        Thread.ofVirtual().name("json-line " + socket.getFileName()).start(() -> c.readLoop(onLine, onClose));
        return c;
    }

    private void readLoop(Consumer<JsonNode> onLine, Runnable onClose) {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean overlong = false;
        try {
            while (channel.read(buf.clear()) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        if (!overlong && line.size() > 0) deliver(line.toString(StandardCharsets.UTF_8), onLine);
                        line.reset();
                        overlong = false;
                    } else if (line.size() >= maxLine) {
                        overlong = true;
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException e) {
            if (!closed) log.debug("{} closed: {}", path, e.toString());
        } finally {
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
            onClose.run();
        }
    }

    private void deliver(String text, Consumer<JsonNode> onLine) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) return;
        JsonNode node;
        try {
            node = JSON.readTree(trimmed);
        } catch (IOException e) {
            log.debug("{}: dropped a line that is not JSON", path);
            return;
        }
        if (node != null && node.isObject()) {
            try {
                onLine.accept(node);
            } catch (RuntimeException e) {
                log.warn("{}: handling a message failed", path, e);
            }
        }
    }

    /** Writes one object as a line. */
    void send(Object message) throws IOException {
        byte[] bytes = (JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (writeLock) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) channel.write(b);
        }
    }

    boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
