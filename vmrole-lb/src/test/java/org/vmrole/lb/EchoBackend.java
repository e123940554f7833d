package org.vmrole.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** An in-test TCP backend that echoes every byte and closes when the client has shut its output. */
final class EchoBackend extends SocketBackend {
    EchoBackend() throws IOException {
        super();
    }

    @Override
    void serve(Socket s) throws IOException {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
        }
    }
}
