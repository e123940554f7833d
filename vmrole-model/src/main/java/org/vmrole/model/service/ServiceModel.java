package org.vmrole.model.service;

import java.util.List;
import java.util.Optional;

/** A whole service: its roles, the load-balancer probes they may use, and how many upgrade domains it is rolled in. */
public record ServiceModel(String name, int upgradeDomainCount, List<Probe> probes, List<RoleModel> roles) {
    /** Azure's default when a definition does not say. */
    public static final int DEFAULT_UPGRADE_DOMAIN_COUNT = 5;

    public ServiceModel {
        if (name == null) throw new IllegalArgumentException("service needs a name");
        probes = List.copyOf(probes);
        roles = List.copyOf(roles);
    }

    public Optional<RoleModel> role(String roleName) {
        return roles.stream().filter(r -> r.name().equals(roleName)).findFirst();
    }

    public Optional<Probe> probe(String probeName) {
        return probes.stream().filter(p -> p.name().equals(probeName)).findFirst();
    }
}
