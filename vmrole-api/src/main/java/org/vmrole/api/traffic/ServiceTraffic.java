package org.vmrole.api.traffic;

import java.util.List;
import java.util.Map;

/** One hosted service as the load balancer sees it: which deployment sits in each slot, its endpoints and instances. */
public record ServiceTraffic(String service, Map<String, SlotTraffic> slots) {

    /** The deployment in one slot. */
    public record SlotTraffic(String deploymentId, TrafficSpec spec, List<TrafficInstance> instances) {}
}
