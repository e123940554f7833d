package org.vmrole.fabric.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A deployment as desired: its roles and counts, update domain count, and whether it is being deleted. */
public record Deployment(
        String id,
        String serviceName,
        String slot,
        int upgradeDomainCount,
        List<RoleSpec> roles,
        boolean deleting) {

    public Deployment {
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
        return new Deployment(id, serviceName, slot, upgradeDomainCount, next, deleting);
    }

    public Deployment markedForDeletion() {
        return new Deployment(id, serviceName, slot, upgradeDomainCount, roles, true);
    }

    public int totalInstances() {
        return roles.stream().mapToInt(RoleSpec::instanceCount).sum();
    }
}
