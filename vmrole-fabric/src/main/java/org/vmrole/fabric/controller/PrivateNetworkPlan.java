package org.vmrole.fabric.controller;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.InstanceName;
import org.vmrole.model.host.NetworkPeer;
import org.vmrole.model.host.PeerHost;
import org.vmrole.model.host.PrivateNetwork;

/**
 * Decides a deployment's private network: which deployments have one (some role declares an internal endpoint),
 * each instance's address and MAC, the topology its guests see, and the hosts that must tunnel to each other. Pure.
 *
 * <p>Addresses come from the instance's name alone, so a reimaged, rebooted or relocated instance keeps its address:
 * {@code 10.128.0.0/9}, role {@code r} (its place in the definition) owns {@code 10.128.0.0 + r * 2^17}, and instance
 * {@code n} of it is {@code + n + 10}. Every deployment uses the same range; they never share a network.
 */
public final class PrivateNetworkPlan {
    static final int PREFIX_LENGTH = 9;
    private static final int BASE = (10 << 24) | (128 << 16);
    private static final int ROLE_BITS = 17;
    /** Roles a private network can number; Azure allows 25 per service. */
    public static final int MAX_ROLES = 1 << (32 - PREFIX_LENGTH - ROLE_BITS);
    private static final int FIRST_HOST = 10;

    private PrivateNetworkPlan() {
    }

    /** Whether any role (of the deployment or of its upgrade target) declares an internal endpoint. */
    public static boolean hasNetwork(Deployment d) {
        if (d == null) return false;
        if (d.roles().stream().anyMatch(r -> !r.internalEndpoints().isEmpty())) return true;
        return d.upgrade() != null && d.upgrade().targetRoles().stream().anyMatch(r -> !r.internalEndpoints().isEmpty());
    }

    /** Roles in numbering order: the deployment's, then roles only its upgrade target has. */
    static List<String> roleOrder(Deployment d) {
        List<String> out = new ArrayList<>();
        for (RoleSpec r : d.roles()) out.add(r.name());
        if (d.upgrade() != null) {
            for (RoleSpec r : d.upgrade().targetRoles()) if (!out.contains(r.name())) out.add(r.name());
        }
        return out;
    }

    /** The address of instance {@code index} of the role numbered {@code roleIndex}, as dotted quad. */
    public static String address(int roleIndex, int index) {
        if (roleIndex < 0 || roleIndex >= MAX_ROLES) {
            throw new IllegalArgumentException("a private network numbers at most " + MAX_ROLES + " roles; role number " + roleIndex + " is beyond that");
        }
        if (index < 0 || index >= (1 << ROLE_BITS) - FIRST_HOST - 1) {
            throw new IllegalArgumentException("instance index " + index + " is beyond what a role's private address block holds");
        }
        int a = BASE + (roleIndex << ROLE_BITS) + index + FIRST_HOST;
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    /** The private address of a deployment's instance, when the deployment has a private network. */
    public static Optional<String> addressOf(Deployment d, InstanceName name) {
        if (!hasNetwork(d)) return Optional.empty();
        int roleIndex = roleOrder(d).indexOf(name.role());
        return roleIndex < 0 ? Optional.empty() : Optional.of(address(roleIndex, name.index()));
    }

    /** A locally administered MAC, {@code 52:54:} and the address's four bytes: unique on the network, stable with the address. */
    public static String mac(String address) {
        String[] q = address.split("\\.");
        return String.format("52:54:%02x:%02x:%02x:%02x", Integer.parseInt(q[0]), Integer.parseInt(q[1]), Integer.parseInt(q[2]), Integer.parseInt(q[3]));
    }

    /** The deployment's network key: derived from the controller's secret, so it needs no storage of its own. */
    public static String key(byte[] controllerSecret, String deploymentId) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(controllerSecret, "HmacSHA256"));
            return HexFormat.of().formatHex(hmac.doFinal(("private-network:" + deploymentId).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /**
     * The private network of {@code self}.
     *
     * @param members the deployment's instances (retiring ones are left out of the topology)
     * @param hosts   every host, for the tunnel address of those that carry the deployment's other instances
     */
    public static PrivateNetwork of(Deployment d, RoleInstance self, Collection<RoleInstance> members, Map<String, Host> hosts, String key) {
        List<String> order = roleOrder(d);
        // in address order: roles as numbered, instances by index
        Map<Long, NetworkPeer> peers = new TreeMap<>();
        TreeSet<String> peerHosts = new TreeSet<>();
        for (RoleInstance ri : members) {
            if (ri.retiring()) continue;
            RoleSpec spec = d.specFor(ri.name().role(), ri.updateDomain()).orElse(null);
            if (spec == null) continue;
            int roleIndex = order.indexOf(ri.name().role());
            String address = address(roleIndex, ri.name().index());
            peers.put(((long) roleIndex << 32) | ri.name().index(), new NetworkPeer(ri.name().role(), ri.name().toString(), address, spec.internalEndpoints()));
            if (ri.host() != null && !ri.host().equals(self.host())) peerHosts.add(ri.host());
        }
        List<PeerHost> tunnels = new ArrayList<>();
        for (String h : peerHosts) {
            Host host = hosts.get(h);
            if (host != null && host.networkAddress() != null) tunnels.add(new PeerHost(h, host.networkAddress()));
        }
        String own = address(order.indexOf(self.name().role()), self.name().index());
        return new PrivateNetwork(own, PREFIX_LENGTH, mac(own), List.copyOf(peers.values()), tunnels, key);
    }

    /** A host's tunnel address must be host:port; null means the host carries no private networks. */
    static String requireValidTunnelAddress(String hostName, String address) {
        if (address == null) return null;
        int colon = address.lastIndexOf(':');
        boolean ok = colon > 0 && colon < address.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port >= 1 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) throw new IllegalArgumentException("host '" + hostName + "': networkAddress '" + address + "' is not host:port with a port in 1-65535");
        return address;
    }
}
