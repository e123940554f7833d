package org.vmrole.server.traffic;

import java.util.List;
import org.vmrole.api.traffic.TrafficSpec;
import org.vmrole.lb.Backend;
import org.vmrole.lb.Slot;

/** One change to the load balancer, decided by {@link TrafficPlan} and carried out by {@link TrafficSync}. */
sealed interface TrafficStep {

    /** A new pool for one input endpoint of a deployment, probed as the rule says. */
    record OpenPool(String deploymentId, TrafficSpec.Rule rule) implements TrafficStep {}

    /** An instance leaves a pool: no new connections, its open ones finish within the drain period. */
    record Drain(String deploymentId, String key, String backendId) implements TrafficStep {}

    /** The instances a pool balances over from now on. */
    record SetBackends(String deploymentId, String key, List<Backend> backends) implements TrafficStep {}

    /** Production and staging trade places at once, on every endpoint. */
    record Swap(String service) implements TrafficStep {}

    /** A slot routes to this deployment's pools ({@code deploymentId} null: the slot routes nowhere). */
    record Place(String service, Slot slot, String deploymentId) implements TrafficStep {}

    /** A public listener for one endpoint of a slot; opened once, kept while the service lives. */
    record Listen(String service, Slot slot, TrafficSpec.Rule rule) implements TrafficStep {}

    /** Tells the API where clients reach the deployment in a slot, and which instances are in rotation. */
    record Publish(String service, Slot slot, String deploymentId, List<TrafficSpec.Rule> rules) implements TrafficStep {}

    /** A service is gone: its listeners close. */
    record CloseService(String service) implements TrafficStep {}

    /** A deployment is gone: its pools close and nothing is published for it. */
    record ClosePools(String deploymentId) implements TrafficStep {}
}
