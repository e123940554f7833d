package org.vmrole.api.traffic;

import java.util.ArrayList;
import java.util.List;
import org.vmrole.model.service.InputEndpoint;
import org.vmrole.model.service.Probe;
import org.vmrole.model.service.RoleModel;
import org.vmrole.model.service.ServiceModel;

/** What the load balancer needs of a deployment: each role's input endpoints, their public ports and probes. */
public record TrafficSpec(List<Rule> inputs) {

    /** One input endpoint of one role. A probe protocol of null means the default TCP probe. */
    public record Rule(String role, String endpoint, String protocol, int port, String probeProtocol, String probePath,
                       int probeIntervalSeconds, int probeTimeoutSeconds) {
        /** The name a slot routes by: unique within a deployment. */
        public String key() {
            return role + "/" + endpoint;
        }
    }

    public TrafficSpec {
        inputs = List.copyOf(inputs == null ? List.of() : inputs);
    }

    public static TrafficSpec of(ServiceModel model) {
        List<Rule> rules = new ArrayList<>();
        for (RoleModel r : model.roles()) {
            for (InputEndpoint e : r.inputEndpoints()) {
                Probe p = e.probe().flatMap(model::probe).orElse(null);
                rules.add(new Rule(r.name(), e.name(), e.protocol().wireName(), e.port(),
                        p == null ? null : p.protocol().wireName(), p == null ? null : p.path(),
                        p == null ? Probe.DEFAULT_INTERVAL_SECONDS : p.intervalSeconds(), p == null ? Probe.DEFAULT_TIMEOUT_SECONDS : p.timeoutSeconds()));
            }
        }
        return new TrafficSpec(rules);
    }

    /** The endpoint keys, which must match for two deployments to be swapped. */
    public List<String> keys() {
        return inputs.stream().map(Rule::key).sorted().toList();
    }
}
