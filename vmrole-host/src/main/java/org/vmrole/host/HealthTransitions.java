package org.vmrole.host;

import org.vmrole.model.RoleState;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedInstance;

/**
 * Turns a driver's signals into the instance states the controller reads. Pure: the caller passes the
 * current observation and the time.
 *
 * <p>A VM that has stopped keeps the cause it stopped with: the process exit that follows a panic or a
 * requested stop must not hide why it happened. A {@code hello} from an agent that is already talking (it repeats
 * hello until the environment reaches it) changes nothing: only a hello after boot, a reset or silence means the
 * role is starting. An instance whose agent never said hello is judged by its probe ({@code PROBE_*}); once an
 * agent speaks, probe results are ignored.
 */
public final class HealthTransitions {
    private HealthTransitions() {
    }

    /** The first observation of a VM that is being created. */
    public static ObservedInstance creating(String key, long incarnation, long rebootGeneration, long now) {
        return new ObservedInstance(key, incarnation, rebootGeneration, RoleState.CreatingVM, HealthCause.NONE, "", now);
    }

    /** The observation after {@code signal}; the same object when nothing a reader cares about changed. */
    public static ObservedInstance next(ObservedInstance current, VmSignal signal, String message, long now) {
        RoleState state = current.state();
        boolean stopped = state == RoleState.StoppedVM || state == RoleState.FailedStartingVM;
        if (stopped && signal != VmSignal.LAUNCHED) return current;
        boolean stopping = state == RoleState.StoppingVM;
        if (stopping && signal != VmSignal.PROCESS_EXITED && signal != VmSignal.GUEST_SHUTDOWN
                && signal != VmSignal.GUEST_PANICKED) {
            return current;
        }
        ObservedInstance next = switch (signal) {
            case LAUNCHED -> with(current, RoleState.StartingVM, HealthCause.STARTED, message, now);
            case START_FAILED -> with(current, RoleState.FailedStartingVM, HealthCause.START_FAILED, message, now);
            case AGENT_HELLO -> (talking(state) && !current.judgedByProbe() ? current
                    : with(current, RoleState.StartingRole, HealthCause.AGENT_HELLO, "", now)).withAgent(message);
            case PROBE_PASSED -> probeJudges(current)
                    ? with(current, RoleState.ReadyRole, HealthCause.PROBE_PASSING, message, now) : current;
            case PROBE_FAILED -> !probeJudges(current) || state == RoleState.UnresponsiveRole ? current
                    : state == RoleState.ReadyRole ? with(current, RoleState.UnresponsiveRole, HealthCause.PROBE_FAILING, message, now)
                    : with(current, RoleState.StartingRole, HealthCause.PROBE_FAILING, message, now);
            case AGENT_READY -> with(current, RoleState.ReadyRole, HealthCause.AGENT_READY, message, now);
            case AGENT_BUSY -> with(current, RoleState.BusyRole, HealthCause.AGENT_BUSY, message, now);
            case AGENT_SILENT -> with(current, RoleState.UnresponsiveRole, HealthCause.AGENT_SILENT, message, now);
            case GUEST_RESET -> with(current, RoleState.RestartingRole, HealthCause.GUEST_RESET, message, now);
            case GUEST_PANICKED -> with(current, RoleState.StoppedVM, HealthCause.GUEST_PANICKED, message, now);
            case GUEST_SHUTDOWN -> stopping
                    ? with(current, RoleState.StoppedVM, HealthCause.STOPPED_BY_REQUEST, message, now)
                    : with(current, RoleState.StoppedVM, HealthCause.GUEST_SHUTDOWN, message, now);
            case STOP_REQUESTED -> with(current, RoleState.StoppingVM, HealthCause.STOPPED_BY_REQUEST, message, now);
            case PROCESS_EXITED -> stopping
                    ? with(current, RoleState.StoppedVM, HealthCause.STOPPED_BY_REQUEST, message, now)
                    : with(current, RoleState.StoppedVM, HealthCause.PROCESS_EXITED, message, now);
        };
        return next;
    }

    private static boolean talking(RoleState state) {
        return state == RoleState.StartingRole || state == RoleState.BusyRole || state == RoleState.ReadyRole;
    }

    /** No agent has spoken in this boot, and the VM is up: its state is the probe's to give. */
    private static boolean probeJudges(ObservedInstance current) {
        RoleState s = current.state();
        boolean agentSpoke = current.cause() == HealthCause.AGENT_HELLO || current.cause() == HealthCause.AGENT_READY
                || current.cause() == HealthCause.AGENT_BUSY || current.cause() == HealthCause.AGENT_SILENT;
        return !agentSpoke && (s == RoleState.StartingVM || s == RoleState.RestartingRole || s == RoleState.StartingRole
                || s == RoleState.ReadyRole || s == RoleState.UnresponsiveRole);
    }

    private static ObservedInstance with(ObservedInstance c, RoleState state, HealthCause cause, String message, long now) {
        String text = message == null ? "" : message;
        if (c.state() == state && c.cause() == cause) {
            if (c.message().equals(text)) return c;
            return new ObservedInstance(c.key(), c.incarnation(), c.rebootGeneration(), state, cause, text, c.sinceEpochMillis(), c.agent(), c.drives());
        }
        return new ObservedInstance(c.key(), c.incarnation(), c.rebootGeneration(), state, cause, text, now, c.agent(), c.drives());
    }
}
