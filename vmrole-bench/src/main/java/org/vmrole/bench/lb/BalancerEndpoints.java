package org.vmrole.bench.lb;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the balancer under test listens: one TCP, one HTTP and one HTTP + X-Forwarded-For endpoint on loopback, and a
 * TCP endpoint forwarded in the kernel ({@code kernelPort}, 0 when this machine cannot).
 */
record BalancerEndpoints(String transport, int tcpPort, int httpPort, int xffPort, int kernelPort) {

    private static final String READY = "balancer ready";

    /** The targets of a round, keyed by the names the report and {@code --targets} use. */
    Map<String, InetSocketAddress> targets() {
        Map<String, InetSocketAddress> targets = new LinkedHashMap<>();
        targets.put("lb tcp", new InetSocketAddress("127.0.0.1", tcpPort));
        targets.put("lb http", new InetSocketAddress("127.0.0.1", httpPort));
        targets.put("lb http+xff", new InetSocketAddress("127.0.0.1", xffPort));
        if (kernelPort > 0) {
            targets.put("lb kernel", new InetSocketAddress("127.0.0.1", kernelPort));
        }
        return targets;
    }

    /** The line a balancer process prints once it is listening with its backend in rotation. */
    String readyLine() {
        return READY + " transport=" + transport + " tcp=" + tcpPort + " http=" + httpPort + " xff=" + xffPort + " kernel=" + kernelPort;
    }

    /** The endpoints in a {@link #readyLine()}, or null when {@code line} is not one. */
    static BalancerEndpoints parse(String line) {
        if (!line.startsWith(READY + " ")) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : line.substring(READY.length() + 1).split(" ")) {
            int eq = pair.indexOf('=');
            fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new BalancerEndpoints(fields.get("transport"), Integer.parseInt(fields.get("tcp")),
                Integer.parseInt(fields.get("http")), Integer.parseInt(fields.get("xff")), Integer.parseInt(fields.getOrDefault("kernel", "0")));
    }
}
