package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.model.RoleState;
import java.util.List;
import org.vmrole.model.host.ObservedDrive;
import org.vmrole.model.host.ObservedInstance;

/**
 * An instance as people see it: Azure state, host, fault and update domain, incarnation, last cause, why it waits, the
 * guest agent that said hello (empty when none did) and where its health comes from ({@code agent}, {@code probe},
 * or empty while unknown), and the drives its host has attached with their mode and lease.
 */
public record InstanceView(
        String deploymentId,
        String instance,
        RoleState state,
        String host,
        int faultDomain,
        int updateDomain,
        long incarnation,
        String lastCause,
        String waitingReason,
        String message,
        String agent,
        String healthFrom,
        List<ObservedDrive> drives) {

    /** Combines the desired record with its host's status ({@code null} if unknown) and last report ({@code null} if none). */
    public static InstanceView of(RoleInstance ri, HostStatus hostStatus, ObservedInstance obs) {
        return new InstanceView(ri.deploymentId(), ri.name().toString(), state(ri, hostStatus, obs), ri.host(), ri.faultDomain(),
                ri.updateDomain(), ri.incarnation(), ri.lastCause(), ri.waitingReason(), obs == null ? null : obs.message(),
                obs == null ? "" : obs.agent(), healthFrom(obs), obs == null ? List.of() : obs.drives());
    }

    /**
     * The old copy of an instance that moves make-before-break, on the host it hands over from: its own state until it
     * is released, {@code StoppingRole} after (out of rotation, draining). {@code ri} must have a handover.
     */
    public static InstanceView ofHandoverCopy(RoleInstance ri, HostStatus hostStatus, ObservedInstance obs) {
        InstanceView v = of(ri.handoverCopy(), hostStatus, obs);
        if (!ri.handover().released() || !v.state().mayBeLive()) return v;
        return new InstanceView(v.deploymentId, v.instance, RoleState.StoppingRole, v.host, v.faultDomain, v.updateDomain, v.incarnation,
                v.lastCause, v.waitingReason, v.message, v.agent, v.healthFrom, v.drives);
    }

    /** This view with its state unknown here, and why (a replica that does not lead hears no host). */
    public InstanceView unknownHere(String why) {
        return new InstanceView(deploymentId, instance, RoleState.RoleStateUnknown, host, faultDomain, updateDomain, incarnation, lastCause,
                waitingReason, why, agent, healthFrom, drives);
    }

    static String healthFrom(ObservedInstance obs) {
        if (obs == null) return "";
        if (obs.judgedByProbe()) return "probe";
        return obs.agent().isEmpty() ? "" : "agent";
    }

    static RoleState state(RoleInstance ri, HostStatus hostStatus, ObservedInstance obs) {
        boolean live = obs != null && obs.state().mayBeLive();
        if (ri.retiring()) return live && hostStatus != HostStatus.Down ? RoleState.StoppingVM : RoleState.StoppedVM;
        if (ri.healing().restartPending()) return RoleState.CyclingRole;
        if (!ri.hasHost()) return RoleState.CreatingVM;
        if (hostStatus == null || hostStatus == HostStatus.Down) return RoleState.RoleStateUnknown;
        if (obs == null || obs.incarnation() < ri.incarnation()) return RoleState.CreatingVM;
        if (obs.rebootGeneration() < ri.rebootGeneration()) return RoleState.RestartingRole;
        return obs.state();
    }
}
