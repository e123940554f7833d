package org.vmrole.lb;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The nftables ruleset that forwards endpoints' new connections in the kernel: one DNAT rule per endpoint with
 * backends in rotation, spreading new connections round-robin ({@code numgen inc}); packets of a connection
 * follow it by connection tracking, so a rotation change moves only new connections. Rendered as one
 * transaction that replaces the whole table, so every endpoint changes at once (a VIP swap is atomic).
 */
final class ForwardingRules {

    /** One endpoint's address and the backends in its rotation, in order. */
    record Forward(InetSocketAddress listen, List<InetSocketAddress> backends) {
        Forward {
            backends = List.copyOf(backends);
        }

        /**
         * IPv4 only, with at least one backend, and, when clients may come from a loopback address, loopback
         * backends only (a packet from 127.0.0.1 cannot be routed to another machine): anything else stays with the
         * proxy listener.
         */
        boolean forwardable() {
            if (backends.isEmpty() || !isIpv4(listen) || !backends.stream().allMatch(ForwardingRules::isIpv4)) {
                return false;
            }
            boolean loopbackClients = listen.getAddress().isLoopbackAddress() || listen.getAddress().isAnyLocalAddress();
            return !loopbackClients || backends.stream().allMatch(b -> b.getAddress().isLoopbackAddress());
        }

        /**
         * Clients on other machines can be forwarded too: the endpoint is on one address of this machine (not
         * loopback, not every address), and no backend is on loopback (a packet that arrived from outside may not be
         * sent to 127.0.0.1).
         */
        boolean servesOtherMachines() {
            InetSocketAddress l = listen;
            return forwardable() && !l.getAddress().isLoopbackAddress() && !l.getAddress().isAnyLocalAddress()
                    && backends.stream().noneMatch(b -> b.getAddress().isLoopbackAddress());
        }
    }

    private ForwardingRules() {
    }

    /** Local clients only; see {@link #render(String, List, boolean)}. */
    static String render(String table, List<Forward> forwards) {
        return render(table, forwards, false);
    }

    /**
     * The table name must be an nft identifier; {@code forwards} that are not forwardable are left out. With
     * {@code otherMachines} (this machine routes packets: {@code net.ipv4.ip_forward=1}) the endpoints that
     * {@linkplain Forward#servesOtherMachines() can} also forward connections arriving from other machines: DNAT in
     * {@code prerouting}, and in {@code postrouting} the balancer's own address as their source, so the backend's
     * answers come back through this machine, whose connection tracking returns them to the client.
     */
    static String render(String table, List<Forward> forwards, boolean otherMachines) {
        if (!table.matches("[a-z][a-z0-9_]{0,60}")) {
            throw new IllegalArgumentException("nft table name '" + table + "' must be lower-case letters, digits and '_'");
        }
        StringBuilder b = new StringBuilder();
        // declaring the table first lets the delete succeed whether or not it existed
        b.append("table ip ").append(table).append(" {}\n");
        b.append("delete table ip ").append(table).append('\n');
        b.append("table ip ").append(table).append(" {\n");
        b.append("  chain output {\n");
        b.append("    type nat hook output priority -100; policy accept;\n");
        for (Forward f : forwards) {
            if (f.forwardable()) dnat(b, f);
        }
        b.append("  }\n");
        List<Forward> remote = otherMachines ? forwards.stream().filter(Forward::servesOtherMachines).toList() : List.of();
        if (!remote.isEmpty()) {
            b.append("  chain prerouting {\n");
            b.append("    type nat hook prerouting priority -100; policy accept;\n");
            remote.forEach(f -> dnat(b, f));
            b.append("  }\n");
            b.append("  chain postrouting {\n");
            b.append("    type nat hook postrouting priority 100; policy accept;\n");
            for (Forward f : remote) {
                String listen = f.listen().getAddress().getHostAddress();
                // a local client's connection carries the endpoint's address already; only other machines' need it
                b.append("    ct status dnat ct original ip daddr ").append(listen).append(" meta l4proto tcp ct original proto-dst ").append(f.listen().getPort())
                        .append(" ip saddr != ").append(listen).append(" snat ip to ").append(listen).append('\n');
            }
            b.append("  }\n");
        }
        b.append("}\n");
        return b.toString();
    }

    private static void dnat(StringBuilder b, Forward f) {
        b.append("    ");
        if (f.listen().getAddress().isAnyLocalAddress()) {
            b.append("fib daddr type local");
        } else {
            b.append("ip daddr ").append(f.listen().getAddress().getHostAddress());
        }
        b.append(" tcp dport ").append(f.listen().getPort()).append(" dnat ip to numgen inc mod ").append(f.backends().size())
                .append(" map { ");
        for (int i = 0; i < f.backends().size(); i++) {
            InetSocketAddress to = f.backends().get(i);
            b.append(i == 0 ? "" : ", ").append(i).append(" : ").append(to.getAddress().getHostAddress()).append(" . ").append(to.getPort());
        }
        b.append(" }\n");
    }

    private static boolean isIpv4(InetSocketAddress a) {
        return !a.isUnresolved() && a.getAddress() instanceof Inet4Address;
    }
}
