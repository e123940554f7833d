package org.vmrole.api.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.api.ApiException;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.service.InputEndpoint;
import org.vmrole.model.service.InternalEndpoint;
import org.vmrole.model.service.Protocol;
import org.vmrole.model.service.RoleModel;
import org.vmrole.model.service.ServiceModel;

class DeploymentPlanTest {
    private static final HostedService SERVICE = new HostedService("contoso", "web", "web", Instant.EPOCH, Map.of());

    private static RoleModel role(String name, boolean internal) {
        return new RoleModel(name, VmSize.ExtraSmall, 2, "sample", List.of(new InputEndpoint(name + "Http", Protocol.HTTP, 80, 8080, java.util.Optional.empty())),
                internal ? List.of(new InternalEndpoint("Peer", Protocol.TCP, 7000)) : List.of(), List.of(), Map.of(), List.of());
    }

    @Test
    void forwards_input_endpoints_from_the_host_and_keeps_internal_ones_for_the_private_network() {
        Deployment d = DeploymentPlan.of("d1", SERVICE, "production", new ServiceModel("web", 5, List.of(), List.of(role("Web", true))), image -> "sha256:1");

        assertThat(d.roles().getFirst().endpoints()).containsExactly(new EndpointBinding("WebHttp", "http", 8080, 0));
        assertThat(d.roles().getFirst().internalEndpoints()).containsExactly(new InternalBinding("Peer", "tcp", 7000));
    }

    @Test
    void refuses_internal_endpoints_in_a_service_with_more_roles_than_a_private_network_numbers() {
        List<RoleModel> roles = new ArrayList<>();
        for (int i = 0; i < 65; i++) roles.add(role("R" + i, i == 0));

        assertThatThrownBy(() -> DeploymentPlan.of("d1", SERVICE, "production", new ServiceModel("web", 5, List.of(), roles), image -> "sha256:1"))
                .isInstanceOf(ApiException.class).hasMessageContaining("at most 64 roles");
    }
}
