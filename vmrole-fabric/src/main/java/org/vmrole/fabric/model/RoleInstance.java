package org.vmrole.fabric.model;

import org.vmrole.model.InstanceName;

/**
 * One role instance as the controller wants it: where it runs (host, fault domain; none while it waits for
 * capacity), its update domain, incarnation and reboot generation, whether it is being removed, when its current
 * incarnation or reboot was asked for ({@code assignedAtMillis}, controller clock), its healing memory and the last
 * cause of change, and the copy it is handing over from while it moves make-before-break ({@code null} otherwise).
 * Assignments to hosts are computed from these records alone.
 */
public record RoleInstance(
        String deploymentId,
        InstanceName name,
        int updateDomain,
        String host,
        int faultDomain,
        long incarnation,
        long rebootGeneration,
        boolean retiring,
        long assignedAtMillis,
        Healing healing,
        String lastCause,
        String waitingReason,
        Handover handover) {

    public static final int NO_FAULT_DOMAIN = -1;

    public RoleInstance {
        if (healing == null) healing = Healing.NONE;
    }

    /** A new instance that waits for placement. */
    public static RoleInstance unplaced(String deploymentId, InstanceName name, int upgradeDomainCount, String cause) {
        return new RoleInstance(deploymentId, name, name.updateDomain(upgradeDomainCount), null, NO_FAULT_DOMAIN,
                1, 0, false, 0, Healing.NONE, cause, null, null);
    }

    public static String key(String deploymentId, InstanceName name) {
        return deploymentId + "/" + name;
    }

    /** Same as {@link org.vmrole.model.host.Assignment#key()}. */
    public String key() {
        return key(deploymentId, name);
    }

    public boolean hasHost() {
        return host != null;
    }

    public RoleInstance placedOn(String newHost, int newFaultDomain, long now, String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, newHost, newFaultDomain, incarnation, rebootGeneration, retiring, now, healing, cause, null, handover);
    }

    public RoleInstance waiting(String reason) {
        return new RoleInstance(deploymentId, name, updateDomain, null, NO_FAULT_DOMAIN, incarnation, rebootGeneration, retiring, assignedAtMillis, healing, lastCause, reason, handover);
    }

    /** A fresh incarnation: the host throws the old VM and overlay away. */
    public RoleInstance nextIncarnation(long now, String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, host, faultDomain, incarnation + 1, rebootGeneration, retiring, now, healing, cause, null, handover);
    }

    /** Moves to no host with a fresh incarnation, so whatever still runs the old one is fenced off. */
    public RoleInstance unplacedForMove(String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, null, NO_FAULT_DOMAIN, incarnation + 1, rebootGeneration, retiring, 0, healing, cause, null, handover);
    }

    /** A reset of the VM that keeps its overlay; the start clock begins again. */
    public RoleInstance nextRebootGeneration(long now, String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, host, faultDomain, incarnation, rebootGeneration + 1, retiring, now, healing, cause, waitingReason, handover);
    }

    public RoleInstance withRetiring(boolean value, String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, host, faultDomain, incarnation, rebootGeneration, value, assignedAtMillis, healing, cause, waitingReason, handover);
    }

    /** The same instance with this handover (or none). */
    public RoleInstance withHandover(Handover value, String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, host, faultDomain, incarnation, rebootGeneration, retiring, assignedAtMillis, healing, cause, waitingReason, value);
    }

    /** The copy still serving on the handover host, as a record of its own (no handover); {@code null} when none. */
    public RoleInstance handoverCopy() {
        if (handover == null) return null;
        return new RoleInstance(deploymentId, name, updateDomain, handover.host(), handover.faultDomain(), handover.incarnation(),
                handover.rebootGeneration(), retiring, assignedAtMillis, healing, lastCause, null, null);
    }

    public RoleInstance withHealing(Healing value, String cause) {
        return new RoleInstance(deploymentId, name, updateDomain, host, faultDomain, incarnation, rebootGeneration, retiring, assignedAtMillis, value, cause, waitingReason, handover);
    }
}
