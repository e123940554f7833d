package org.vmrole.fabric.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A rolling upgrade in progress: the roles of {@code targetVersion}, the update domains still to walk in order
 * ({@code pendingDomains}), the one in flight ({@code currentDomain}, -1 when none, started at
 * {@code domainStartedMillis}), those walked, and the domain a manual walk permits next (-1 when none).
 * An instance runs the target roles unless its update domain is still pending, so a rollback is the same walk with
 * base and target exchanged and only the touched domains pending (in reverse). {@code operationId} names the
 * operation that reports the walk's progress.
 */
public record Upgrade(
        int targetVersion,
        UpgradeMode mode,
        List<RoleSpec> targetRoles,
        List<Integer> pendingDomains,
        int currentDomain,
        List<Integer> walkedDomains,
        long domainStartedMillis,
        int permittedDomain,
        UpgradeState state,
        String reason,
        String operationId,
        boolean rollback) {

    public static final int NONE = -1;

    public Upgrade {
        if (mode == null) throw new IllegalArgumentException("upgrade mode missing; give Auto or Manual");
        if (targetRoles == null || targetRoles.isEmpty()) throw new IllegalArgumentException("upgrade to version " + targetVersion + " has no roles");
        if (state == null) state = UpgradeState.Waiting;
        targetRoles = List.copyOf(targetRoles);
        pendingDomains = List.copyOf(pendingDomains == null ? List.of() : pendingDomains);
        walkedDomains = List.copyOf(walkedDomains == null ? List.of() : walkedDomains);
    }

    /** A new upgrade that will walk {@code domains} in order. */
    public static Upgrade start(int targetVersion, UpgradeMode mode, List<RoleSpec> targetRoles, List<Integer> domains, String operationId) {
        return new Upgrade(targetVersion, mode, targetRoles, domains, NONE, List.of(), 0, NONE, UpgradeState.Waiting, null, operationId, false);
    }

    /** Whether an instance of {@code updateDomain} runs the target roles (its domain is no longer pending). */
    public boolean covers(int updateDomain) {
        return !pendingDomains.contains(updateDomain);
    }

    public int nextDomain() {
        return pendingDomains.isEmpty() ? NONE : pendingDomains.get(0);
    }

    /** The domains that run the target roles now or are being moved to them: walked plus the one in flight. */
    public List<Integer> touchedDomains() {
        List<Integer> out = new ArrayList<>(walkedDomains);
        if (currentDomain != NONE) out.add(currentDomain);
        return out;
    }

    public Upgrade walking(int domain, long now) {
        List<Integer> rest = new ArrayList<>(pendingDomains);
        rest.remove(Integer.valueOf(domain));
        return new Upgrade(targetVersion, mode, targetRoles, rest, domain, walkedDomains, now, permittedDomain, UpgradeState.Walking, null, operationId, rollback);
    }

    public Upgrade domainDone() {
        List<Integer> walked = new ArrayList<>(walkedDomains);
        walked.add(currentDomain);
        return new Upgrade(targetVersion, mode, targetRoles, pendingDomains, NONE, walked, 0, permittedDomain, UpgradeState.Waiting, null, operationId, rollback);
    }

    public Upgrade failed(String why) {
        return new Upgrade(targetVersion, mode, targetRoles, pendingDomains, currentDomain, walkedDomains, domainStartedMillis, permittedDomain, UpgradeState.Failed, why, operationId, rollback);
    }

    /** A manual walk of {@code domain}, reported by {@code operation}. */
    public Upgrade permitted(int domain, String operation) {
        return new Upgrade(targetVersion, mode, targetRoles, pendingDomains, currentDomain, walkedDomains, domainStartedMillis, domain, state, reason, operation, rollback);
    }
}
