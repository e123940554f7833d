package org.vmrole.fabric.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A deployment as desired: its roles and counts at {@code version}, update domain count, whether it is being
 * deleted, and the rolling upgrade under way ({@code null} when none).
 */
public record Deployment(
        String id,
        String serviceName,
        String slot,
        int upgradeDomainCount,
        List<RoleSpec> roles,
        boolean deleting,
        int version,
        Upgrade upgrade) {

    /** A first version with no upgrade under way. */
    public Deployment(String id, String serviceName, String slot, int upgradeDomainCount, List<RoleSpec> roles, boolean deleting) {
        this(id, serviceName, slot, upgradeDomainCount, roles, deleting, 1, null);
    }

    public Deployment {
        if (version < 1) version = 1;
        if (id == null || id.isBlank() || id.contains("/")) throw new IllegalArgumentException("deployment id '" + id + "' must be non-empty and contain no '/'");
        if (upgradeDomainCount < 1 || upgradeDomainCount > 20) throw new IllegalArgumentException("deployment '" + id + "': upgradeDomainCount " + upgradeDomainCount + " must be between 1 and 20");
        if (roles == null || roles.isEmpty()) throw new IllegalArgumentException("deployment '" + id + "' has no roles; give at least one");
        Set<String> names = new HashSet<>();
        for (RoleSpec r : roles) {
            if (!names.add(r.name())) throw new IllegalArgumentException("deployment '" + id + "' names role '" + r.name() + "' twice");
        }
        roles = List.copyOf(roles);
    }

    public Optional<RoleSpec> role(String name) {
        return roles.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** This deployment with {@code role} resized to {@code count} instances. */
    public Deployment withInstanceCount(String role, int count) {
        List<RoleSpec> next = new ArrayList<>(roles.size());
        boolean found = false;
        for (RoleSpec r : roles) {
            if (r.name().equals(role)) {
                next.add(r.withInstanceCount(count));
                found = true;
            } else {
                next.add(r);
            }
        }
        if (!found) throw new IllegalArgumentException("deployment '" + id + "' has no role '" + role + "'; its roles are " + roles.stream().map(RoleSpec::name).toList());
        return new Deployment(id, serviceName, slot, upgradeDomainCount, next, deleting, version, upgrade);
    }

    public Deployment markedForDeletion() {
        return new Deployment(id, serviceName, slot, upgradeDomainCount, roles, true, version, upgrade);
    }

    public Deployment withUpgrade(Upgrade value) {
        return new Deployment(id, serviceName, slot, upgradeDomainCount, roles, deleting, version, value);
    }

    /** The upgrade done: the target roles become this deployment's roles at the target version. */
    public Deployment upgraded() {
        return new Deployment(id, serviceName, slot, upgradeDomainCount, upgrade.targetRoles(), deleting, upgrade.targetVersion(), null);
    }

    /**
     * Turns the upgrade around: the target becomes the base and the old roles the target, with every domain that runs
     * (or is moving to) the target pending, the touched ones first and newest first. The same walk then returns them
     * to the old version, and domains still on it never move. (Only a rollback of a rollback finds domains that run
     * the target without this walk having touched them: those it had not reached yet.)
     */
    public Deployment rollingBack(String operationId) {
        List<Integer> back = new ArrayList<>(upgrade.touchedDomains());
        java.util.Collections.reverse(back);
        for (int ud : usedUpdateDomains()) {
            if (upgrade.covers(ud) && !back.contains(ud)) back.add(ud);
        }
        Upgrade reverse = new Upgrade(version, UpgradeMode.Auto, roles, back, Upgrade.NONE, List.of(), 0, Upgrade.NONE, UpgradeState.Waiting,
                null, operationId, !upgrade.rollback());
        return new Deployment(id, serviceName, slot, upgradeDomainCount, upgrade.targetRoles(), deleting, upgrade.targetVersion(), reverse);
    }

    /** The spec an instance of {@code role} in {@code updateDomain} runs: the upgrade's target once its domain is walked. */
    public Optional<RoleSpec> specFor(String role, int updateDomain) {
        if (upgrade != null && upgrade.covers(updateDomain)) {
            return upgrade.targetRoles().stream().filter(r -> r.name().equals(role)).findFirst();
        }
        return role(role);
    }

    /** The update domains that hold instances: 0 up to the largest role's count, at most the domain count. */
    public List<Integer> usedUpdateDomains() {
        int max = roles.stream().mapToInt(RoleSpec::instanceCount).max().orElse(0);
        List<Integer> out = new ArrayList<>();
        for (int ud = 0; ud < Math.min(max, upgradeDomainCount); ud++) out.add(ud);
        return out;
    }

    public int totalInstances() {
        return roles.stream().mapToInt(RoleSpec::instanceCount).sum();
    }
}
