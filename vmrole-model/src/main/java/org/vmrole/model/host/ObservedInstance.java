package org.vmrole.model.host;

import org.vmrole.model.RoleState;

/** What a host sees of one instance it runs: the incarnation it runs, its state, and the last cause of change. */
public record ObservedInstance(
        String key,
        long incarnation,
        long rebootGeneration,
        RoleState state,
        HealthCause cause,
        String message,
        long sinceEpochMillis) {
}
