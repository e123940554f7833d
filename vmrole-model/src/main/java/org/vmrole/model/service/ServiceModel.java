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

    /**
     * How a host judges an instance of {@code role} whose image has no agent: its first input endpoint's probe as the
     * load balancer runs it (an HTTP endpoint without a probe is probed with GET /, a TCP one by connecting); empty
     * when the role has no input endpoint.
     */
    public Optional<org.vmrole.model.host.HealthProbe> healthProbe(RoleModel role) {
        if (role.inputEndpoints().isEmpty()) return Optional.empty();
        InputEndpoint e = role.inputEndpoints().get(0);
        Probe p = e.probe().flatMap(this::probe).orElse(null);
        if (p == null) {
            return Optional.of(new org.vmrole.model.host.HealthProbe(e.localPort(), e.protocol() == Protocol.HTTP ? "/" : null,
                    Probe.DEFAULT_INTERVAL_SECONDS, Probe.DEFAULT_TIMEOUT_SECONDS, false));
        }
        String path = p.protocol() == Protocol.HTTP ? (p.path().isEmpty() ? "/" : p.path()) : null;
        return Optional.of(new org.vmrole.model.host.HealthProbe(p.port() == 0 ? e.localPort() : p.port(), path,
                p.intervalSeconds(), p.timeoutSeconds(), false));
    }
}
