package org.vmrole.host.qemu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.host.NetworkPeer;
import org.vmrole.model.host.PrivateNetwork;

/** The {@code environment} message of the guest agent protocol (docs/guest-agent.md) for an assignment. */
public final class AgentEnvironment {
    private AgentEnvironment() {
    }

    public static Map<String, Object> of(Assignment a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "environment");
        m.put("deploymentId", a.deploymentId());
        m.put("role", a.instance().role());
        m.put("instanceId", a.instance().toString());
        m.put("incarnation", a.incarnation());
        m.put("updateDomain", a.updateDomain());
        m.put("faultDomain", a.faultDomain());
        m.put("settings", new TreeMap<>(a.settings()));
        Map<String, Object> endpoints = new TreeMap<>();
        for (EndpointBinding e : a.endpoints()) endpoints.put(e.name(), Map.of("protocol", e.protocol(), "port", e.guestPort()));
        m.put("endpoints", endpoints);
        if (a.network() != null) m.put("network", network(a.network()));
        if (!a.drives().isEmpty()) m.put("drives", drives(a));
        return m;
    }

    /**
     * The drives the host attaches, in the order the role declares them (the first is the role's "first drive"): where
     * the guest finds each ({@code /dev/disk/by-id/virtio-NAME}) and whether it may write.
     */
    static Map<String, Object> drives(Assignment a) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (DriveAttachment d : a.drives()) m.put(d.name(), Map.of("device", "/dev/disk/by-id/virtio-" + d.name(), "mode", d.mode()));
        return m;
    }

    /** The guest's view of its private network: its address, its NIC's MAC and every instance with its internal endpoints. */
    public static Map<String, Object> network(PrivateNetwork n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", n.address());
        m.put("prefixLength", n.prefixLength());
        m.put("mac", n.mac());
        List<Map<String, Object>> instances = new ArrayList<>();
        for (NetworkPeer p : n.instances()) {
            Map<String, Object> endpoints = new TreeMap<>();
            for (InternalBinding e : p.endpoints()) endpoints.put(e.name(), Map.of("protocol", e.protocol(), "port", e.port()));
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("role", p.role());
            peer.put("instanceId", p.instanceId());
            peer.put("address", p.address());
            peer.put("endpoints", endpoints);
            instances.add(peer);
        }
        m.put("instances", instances);
        return m;
    }

    /** A {@code changing} or {@code changed} message: the new settings and, with a private network, its topology. */
    public static Map<String, Object> change(String type, Assignment a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("settings", new TreeMap<>(a.settings()));
        if (a.network() != null) m.put("network", network(a.network()));
        return m;
    }
}
