package org.vmrole.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Counts the connections the kernel's connection tracking holds open to a backend ({@code /proc/net/nf_conntrack} of
 * this network namespace): those the kernel path forwards, which this process never sees, and the proxy's own. A
 * connection counts while it can still carry a request or its answer (SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT,
 * CLOSE_WAIT); it is to the backend when the reply direction comes from the backend's address and port, whatever
 * address translation happened on the way.
 */
final class Conntrack {

    private static final Path TABLE = Path.of("/proc/net/nf_conntrack");
    private static final Set<String> OPEN = Set.of("SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT");

    private Conntrack() {
    }

    /**
     * Open connections to {@code backend} in this machine's table.
     *
     * @throws IllegalStateException when the table cannot be read (no connection tracking here)
     */
    static int openTo(InetSocketAddress backend) {
        try {
            return openTo(Files.readString(TABLE), backend);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + TABLE + " (" + e.getMessage() + ")", e);
        }
    }

    /** Open TCP connections to {@code backend} in a table in {@code /proc/net/nf_conntrack}'s format. */
    static int openTo(String table, InetSocketAddress backend) {
        String address = backend.getAddress().getHostAddress();
        String port = String.valueOf(backend.getPort());
        int open = 0;
        for (String line : table.split("\n")) {
            // ipv4 2 tcp 6 <timeout> <STATE> src= dst= sport= dport= (original) src= dst= sport= dport= (reply) ...
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[2].equals("tcp") || !OPEN.contains(f[5])) {
                continue;
            }
            String replySrc = nth(f, "src=", 2);
            String replySport = nth(f, "sport=", 2);
            if (address.equals(replySrc) && port.equals(replySport)) {
                open++;
            }
        }
        return open;
    }

    /** The value of the {@code n}-th field named {@code key} (1-based), or null. */
    private static String nth(String[] fields, String key, int n) {
        int seen = 0;
        for (String f : fields) {
            if (f.startsWith(key) && ++seen == n) {
                return f.substring(key.length());
            }
        }
        return null;
    }
}
