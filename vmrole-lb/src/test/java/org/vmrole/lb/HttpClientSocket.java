package org.vmrole.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A plain-socket HTTP/1.1 client for tests: exact bytes out, Content-Length replies in. */
final class HttpClientSocket implements AutoCloseable {

    /** A reply: status, body, and whether the server said it closes the connection after it. */
    record Reply(int status, String body, boolean closing) {
        Reply(int status, String body) {
            this(status, body, false);
        }

        /** Status and body only, for comparisons. */
        Reply content() {
            return new Reply(status, body);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    HttpClientSocket(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** One request on a fresh connection that closes afterwards. */
    static Reply get(int port, String path) throws IOException {
        try (HttpClientSocket c = new HttpClientSocket(port)) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
            return c.reply();
        }
    }

    /** {@code requests} GETs of / on fresh connections, counted by answer (each backend answers with its id). */
    static Map<String, Integer> spread(int port, int requests) throws IOException {
        Map<String, Integer> byBackend = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            Reply reply = get(port, "/");
            assertThat(reply.status()).isEqualTo(200);
            byBackend.merge(reply.body(), 1, Integer::sum);
        }
        return byBackend;
    }

    /** {@link #get} for use in lambdas: an I/O failure becomes an unchecked one. */
    static Reply getUnchecked(int port, String path) {
        try {
            return get(port, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    Reply reply() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a reply");
        }
        int length = 0;
        boolean closing = false;
        for (String h = line(); h != null && !h.isEmpty(); h = line()) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                closing = true;
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("reply body cut short: " + body.length + " of " + length);
        }
        return new Reply(Integer.parseInt(statusLine.split(" ")[1]), new String(body, StandardCharsets.UTF_8), closing);
    }

    /** True when the peer closed the connection (read sees end of stream). */
    boolean closedByPeer() throws IOException {
        return in.read() == -1;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
