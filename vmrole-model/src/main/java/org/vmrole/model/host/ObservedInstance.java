package org.vmrole.model.host;

import org.vmrole.model.RoleState;

/**
 * What a host sees of one instance it runs: the incarnation it runs, its state, the last cause of change, and the
 * guest agent that said hello ({@code name/version}, empty while none has: an agentless image is judged by its probe).
 */
public record ObservedInstance(
        String key,
        long incarnation,
        long rebootGeneration,
        RoleState state,
        HealthCause cause,
        String message,
        long sinceEpochMillis,
        String agent) {

    public ObservedInstance {
        if (agent == null) agent = "";
    }

    /** An observation with no agent heard (yet). */
    public ObservedInstance(String key, long incarnation, long rebootGeneration, RoleState state, HealthCause cause, String message,
                            long sinceEpochMillis) {
        this(key, incarnation, rebootGeneration, state, cause, message, sinceEpochMillis, "");
    }

    /** The same observation with the agent that said hello. */
    public ObservedInstance withAgent(String value) {
        return value == null || value.equals(agent) ? this
                : new ObservedInstance(key, incarnation, rebootGeneration, state, cause, message, sinceEpochMillis, value);
    }

    /** True when the state comes from the load balancer probe because no agent ever said hello. */
    public boolean judgedByProbe() {
        return cause == HealthCause.PROBE_PASSING || cause == HealthCause.PROBE_FAILING;
    }
}
