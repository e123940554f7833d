package org.vmrole.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-test backend that passes its /health probe but closes every other request's connection without a
 * byte of answer, as an instance whose application has just died behind QEMU's port forwarding does.
 */
final class AnswerlessBackend extends SocketBackend {
    final AtomicInteger dropped = new AtomicInteger();

    AnswerlessBackend() throws IOException {
        super();
    }

    @Override
    void serve(Socket s) throws IOException {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            StringBuilder requestLine = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                requestLine.append((char) c);
            }
            if (requestLine.toString().startsWith("GET /health ")) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            } else {
                dropped.incrementAndGet();
            }
        }
    }
}
