package org.vmrole.host.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.host.NetworkPeer;

/**
 * {@code /run/vmrole/environment} (docs/guest-agent.md) as the host writes it for cloud-init: the same shell assignments
 * the agent's environment.awk writes from the environment message, so an image without the agent learns its role too.
 */
final class EnvironmentFile {
    private EnvironmentFile() {
    }

    static String render(Assignment a) {
        List<String> lines = new ArrayList<>();
        put(lines, "VMROLE_DEPLOYMENT_ID", a.deploymentId());
        put(lines, "VMROLE_ROLE", a.instance().role());
        put(lines, "VMROLE_INSTANCE_ID", a.instance().toString());
        put(lines, "VMROLE_INCARNATION", Long.toString(a.incarnation()));
        put(lines, "VMROLE_UPDATE_DOMAIN", Integer.toString(a.updateDomain()));
        put(lines, "VMROLE_FAULT_DOMAIN", Integer.toString(a.faultDomain()));
        for (var s : new TreeMap<>(a.settings()).entrySet()) put(lines, "VMROLE_SETTING_" + name(s.getKey()), s.getValue());
        Map<String, EndpointBinding> endpoints = new TreeMap<>();
        for (EndpointBinding e : a.endpoints()) endpoints.put(e.name(), e);
        for (EndpointBinding e : endpoints.values()) {
            put(lines, "VMROLE_ENDPOINT_" + name(e.name()) + "_PORT", Integer.toString(e.guestPort()));
            put(lines, "VMROLE_ENDPOINT_" + name(e.name()) + "_PROTOCOL", e.protocol());
        }
        if (a.network() != null) {
            put(lines, "VMROLE_ADDRESS", a.network().address());
            List<String> internal = new ArrayList<>();
            for (NetworkPeer p : a.network().instances()) {
                if (!p.instanceId().equals(a.instance().toString())) continue;
                Map<String, InternalBinding> mine = new TreeMap<>();
                for (InternalBinding b : p.endpoints()) mine.put(b.name(), b);
                for (InternalBinding b : mine.values()) {
                    put(lines, "VMROLE_INTERNAL_" + name(b.name()) + "_PORT", Integer.toString(b.port()));
                    internal.add(Integer.toString(b.port()));
                }
            }
            if (!internal.isEmpty()) put(lines, "VMROLE_INTERNAL_PORTS", String.join(" ", internal));
        }
        if (!a.drives().isEmpty()) {
            List<String> names = new ArrayList<>();
            for (var d : a.drives()) {
                names.add(d.name());
                put(lines, "VMROLE_DRIVE_" + name(d.name()) + "_DEVICE", "/dev/disk/by-id/virtio-" + d.name());
                put(lines, "VMROLE_DRIVE_" + name(d.name()) + "_MODE", d.mode());
            }
            put(lines, "VMROLE_DRIVES", String.join(" ", names));
        }
        put(lines, "VMROLE_PORT", endpoints.isEmpty() ? "80" : Integer.toString(endpoints.values().iterator().next().guestPort()));
        return String.join("\n", lines) + "\n";
    }

    private static void put(List<String> lines, String name, String value) {
        lines.add(name + "='" + value.replace("'", "'\\''") + "'");
    }

    /** Setting and endpoint names: characters outside [A-Za-z0-9_] become _. */
    private static String name(String raw) {
        return raw.replaceAll("[^A-Za-z0-9_]", "_");
    }
}
