package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedInstance;

/** Reads a host's report of one instance against what the controller asked of it. */
final class InstanceHealth {
    private InstanceHealth() {
    }

    /** The report is about the incarnation and reboot the controller last asked for. */
    static boolean current(RoleInstance ri, ObservedInstance obs) {
        return obs != null && obs.incarnation() == ri.incarnation() && obs.rebootGeneration() >= ri.rebootGeneration();
    }

    /** Ready means ReadyRole: a BusyRole instance is out of rotation, so an operation waiting for it is not done. */
    static boolean ready(RoleInstance ri, ObservedInstance obs) {
        return current(ri, obs) && obs.state() == RoleState.ReadyRole;
    }

    /** The VM of this incarnation is gone for a reason other than the controller asking. */
    static boolean failed(ObservedInstance obs) {
        return obs.state() == RoleState.StoppedVM || obs.state() == RoleState.FailedStartingVM
                || obs.cause() == HealthCause.PROCESS_EXITED || obs.cause() == HealthCause.GUEST_PANICKED
                || obs.cause() == HealthCause.START_FAILED || obs.cause() == HealthCause.GUEST_SHUTDOWN;
    }

    /** "VM exited: <host message>" as a cause people read. */
    static String describeFailure(ObservedInstance obs) {
        String what = switch (obs.cause()) {
            case PROCESS_EXITED -> "VM exited";
            case GUEST_PANICKED -> "guest panicked";
            case GUEST_SHUTDOWN -> "guest shut down";
            case START_FAILED -> "VM failed to start";
            default -> "VM is " + obs.state();
        };
        return obs.message() == null || obs.message().isBlank() ? what : what + ": " + obs.message();
    }
}
