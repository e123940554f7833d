package org.vmrole.model.host;

import java.util.List;
import org.vmrole.model.RoleState;

/**
 * What a host sees of one instance it runs: the incarnation it runs, its state, the last cause of change, and the
 * guest agent that said hello ({@code name/version}, empty while none has: an agentless image is judged by its probe),
 * and the drives attached to it with their lease state.
 */
public record ObservedInstance(
        String key,
        long incarnation,
        long rebootGeneration,
        RoleState state,
        HealthCause cause,
        String message,
        long sinceEpochMillis,
        String agent,
        List<ObservedDrive> drives) {

    public ObservedInstance {
        if (agent == null) agent = "";
        drives = drives == null ? List.of() : List.copyOf(drives);
    }

    /** An observation without drives. */
    public ObservedInstance(String key, long incarnation, long rebootGeneration, RoleState state, HealthCause cause, String message,
                            long sinceEpochMillis, String agent) {
        this(key, incarnation, rebootGeneration, state, cause, message, sinceEpochMillis, agent, List.of());
    }

    /** An observation with no agent heard (yet). */
    public ObservedInstance(String key, long incarnation, long rebootGeneration, RoleState state, HealthCause cause, String message,
                            long sinceEpochMillis) {
        this(key, incarnation, rebootGeneration, state, cause, message, sinceEpochMillis, "");
    }

    /** The same observation with the agent that said hello. */
    public ObservedInstance withAgent(String value) {
        return value == null || value.equals(agent) ? this
                : new ObservedInstance(key, incarnation, rebootGeneration, state, cause, message, sinceEpochMillis, value, drives);
    }

    /** The same observation with the drives attached now. */
    public ObservedInstance withDrives(List<ObservedDrive> value) {
        return value == null || value.equals(drives) ? this
                : new ObservedInstance(key, incarnation, rebootGeneration, state, cause, message, sinceEpochMillis, agent, value);
    }

    /** True when the state comes from the load balancer probe because no agent ever said hello. */
    public boolean judgedByProbe() {
        return cause == HealthCause.PROBE_PASSING || cause == HealthCause.PROBE_FAILING;
    }
}
