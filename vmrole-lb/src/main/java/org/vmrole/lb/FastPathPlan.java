package org.vmrole.lb;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the eBPF fast path's maps hold: the endpoints whose established connections it forwards, and their addresses
 * (both directions of such a connection are addressed to one). Only endpoints that serve clients of other machines:
 * a local client's connection never crosses an interface's ingress. Keys are rendered as the bytes bpftool takes,
 * in the program's layout ({@code struct endpoint} and {@code __be32}).
 */
record FastPathPlan(Set<String> addressKeys, Set<String> endpointKeys) {

    static final FastPathPlan EMPTY = new FastPathPlan(Set.of(), Set.of());

    FastPathPlan {
        addressKeys = Set.copyOf(addressKeys);
        endpointKeys = Set.copyOf(endpointKeys);
    }

    /** The plan for these forwards; empty unless this machine routes packets for others ({@code otherMachines}). */
    static FastPathPlan of(List<ForwardingRules.Forward> forwards, boolean otherMachines) {
        if (!otherMachines) {
            return EMPTY;
        }
        List<InetSocketAddress> listens = forwards.stream().filter(ForwardingRules.Forward::servesOtherMachines)
                .map(ForwardingRules.Forward::listen).toList();
        return new FastPathPlan(listens.stream().map(l -> addressKey((Inet4Address) l.getAddress())).collect(Collectors.toCollection(TreeSet::new)),
                listens.stream().map(FastPathPlan::endpointKey).collect(Collectors.toCollection(TreeSet::new)));
    }

    boolean isEmpty() {
        return endpointKeys.isEmpty();
    }

    /** The address in network order, as bpftool's decimal bytes: {@code 10 0 0 3}. */
    static String addressKey(Inet4Address address) {
        return bytes(address.getAddress());
    }

    /** Address and port in network order, then two bytes of padding: {@code 10 0 0 3 31 144 0 0} for port 8080. */
    static String endpointKey(InetSocketAddress endpoint) {
        byte[] a = endpoint.getAddress().getAddress();
        int port = endpoint.getPort();
        return bytes(new byte[] {a[0], a[1], a[2], a[3], (byte) (port >> 8), (byte) port, 0, 0});
    }

    private static String bytes(byte[] b) {
        List<String> out = new ArrayList<>();
        for (byte x : b) {
            out.add(String.valueOf(x & 0xff));
        }
        return String.join(" ", out);
    }
}
