package org.vmrole.host.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.vmrole.model.host.HealthProbe;

/** One probe of an instance through its forwarded port on this host's loopback. */
final class ProbeCall {
    private static final int CONNECT_MILLIS = 2000;
    private static final int ANSWER_MILLIS = 5000;
    /** QEMU's user networking accepts a forwarded connection before the guest does; a refused one closes within this. */
    private static final int TCP_SETTLE_MILLIS = 500;

    private ProbeCall() {
    }

    /** True when the guest answers: a 2xx to an HTTP GET, or a TCP connection it keeps open. */
    static boolean passes(HealthProbe probe, int hostPort) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", hostPort), CONNECT_MILLIS);
            if (!probe.http()) {
                s.setSoTimeout(TCP_SETTLE_MILLIS);
                try {
                    return s.getInputStream().read() != -1;
                } catch (SocketTimeoutException open) {
                    return true;
                }
            }
            s.setSoTimeout(ANSWER_MILLIS);
            s.getOutputStream().write(("GET " + probe.httpPath() + " HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: vmrole-probe\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return statusLine(s.getInputStream()).matches("HTTP/1\\.[01] 2\\d\\d.*");
        } catch (IOException e) {
            return false;
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n' && line.length() < 256; ) line.append((char) c);
        return line.toString().strip();
    }
}
