package org.vmrole.model.host;

import java.util.List;

/**
 * The private network of an instance's deployment as its host needs it: the instance's own address and MAC, every
 * instance on the network (the role environment's topology), the other hosts to tunnel frames to, and the
 * deployment's network key, which a tunnel must prove it holds. {@code detached}: the host keeps this copy's NIC off the
 * network for now, because another copy of the same instance (same address and MAC) is on it: while an instance moves
 * make-before-break, the old copy until its handover is released, the new copy after.
 */
public record PrivateNetwork(String address, int prefixLength, String mac, List<NetworkPeer> instances, List<PeerHost> hosts, String key,
                             boolean detached) {
    public PrivateNetwork {
        if (address == null || mac == null) throw new IllegalArgumentException("private network needs an address and a MAC");
        if (prefixLength < 8 || prefixLength > 30) throw new IllegalArgumentException("private network prefix /" + prefixLength + " must be between /8 and /30");
        if (key == null || key.length() < 32) throw new IllegalArgumentException("private network key is missing or shorter than 32 characters");
        instances = List.copyOf(instances == null ? List.of() : instances);
        hosts = List.copyOf(hosts == null ? List.of() : hosts);
    }

    /** A copy on the network. */
    public PrivateNetwork(String address, int prefixLength, String mac, List<NetworkPeer> instances, List<PeerHost> hosts, String key) {
        this(address, prefixLength, mac, instances, hosts, key, false);
    }

    /** The same network, with this copy's NIC kept off it ({@code true}) or on it. */
    public PrivateNetwork withDetached(boolean off) {
        return off == detached ? this : new PrivateNetwork(address, prefixLength, mac, instances, hosts, key, off);
    }

    /** What the guest sees changed: its address or the instances on the network (not which hosts carry them). */
    public boolean sameTopology(PrivateNetwork other) {
        return other != null && address.equals(other.address) && prefixLength == other.prefixLength && mac.equals(other.mac)
                && instances.equals(other.instances);
    }

    /** The key is a secret: records are logged, so it never appears in their text. */
    @Override
    public String toString() {
        return "PrivateNetwork[address=" + address + "/" + prefixLength + ", mac=" + mac + ", instances=" + instances.size()
                + ", hosts=" + hosts + ", key=(hidden)" + (detached ? ", detached" : "") + "]";
    }
}
