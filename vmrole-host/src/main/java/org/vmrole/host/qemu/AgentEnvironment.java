package org.vmrole.host.qemu;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;

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
        return m;
    }
}
