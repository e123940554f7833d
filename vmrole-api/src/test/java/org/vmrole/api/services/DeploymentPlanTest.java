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

    private static final org.vmrole.image.contents.ImageContents NO_AGENT =
            new org.vmrole.image.contents.ImageContents("Debian GNU/Linux 12 (bookworm)", List.of(), "", List.of());

    @Test
    void judges_a_role_whose_image_has_no_agent_by_its_endpoint_probe_from_boot() {
        ServiceModel model = new ServiceModel("web", 5, List.of(), List.of(role("Web", false)));

        Deployment d = DeploymentPlan.of("d-1", SERVICE, "production", model, href -> "sha256:abc", digest -> NO_AGENT);

        assertThat(d.roles().get(0).probe()).isEqualTo(new org.vmrole.model.host.HealthProbe(8080, "/", 15, 31, true));
    }

    @Test
    void refuses_a_role_with_neither_an_agent_in_its_image_nor_an_input_endpoint_naming_the_fix() {
        RoleModel worker = new RoleModel("Worker", VmSize.ExtraSmall, 1, "stock", List.of(), List.of(), List.of(), Map.of(), List.of());
        ServiceModel model = new ServiceModel("web", 5, List.of(), List.of(worker));

        assertThatThrownBy(() -> DeploymentPlan.of("d-1", SERVICE, "production", model, href -> "sha256:abc", digest -> NO_AGENT))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("role 'Worker'").hasMessageContaining("no vmrole guest agent")
                .hasMessageContaining("Add an <InputEndpoint>").hasMessageContaining("./vmrole guest-agent deb");
    }

    @Test
    void an_image_with_an_agent_keeps_the_probe_as_a_fallback_only() {
        ServiceModel model = new ServiceModel("web", 5, List.of(), List.of(role("Web", false)));
        var withAgent = new org.vmrole.image.contents.ImageContents("Debian", List.of(), "vmrole-agent/1.0.0", List.of());

        Deployment d = DeploymentPlan.of("d-1", SERVICE, "production", model, href -> "sha256:abc", digest -> withAgent);

        assertThat(d.roles().get(0).probe().fromBoot()).isFalse();
    }
}
