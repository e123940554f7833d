package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmrole.api.beta.AdmissionRequest;
import org.vmrole.api.beta.AdmissionState;
import org.vmrole.api.beta.BetaGate;

class BetaGateTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private static AdmissionRequest request(String id, AdmissionState state, Instant at) {
        return new AdmissionRequest(id, "vm-role", "contoso", "we run VMs", state, at, null, null, null);
    }

    @Test
    void refuses_a_deployment_from_a_subscription_that_never_asked_and_says_how_to_ask() {
        assertThatThrownBy(() -> BetaGate.requireAdmission(List.of(), "vm-role", "contoso"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("BetaProgramAdmissionRequired");
                    assertThat(e.getMessage()).contains("./vmrole beta request vm-role --reason");
                });
    }

    @Test
    void lets_an_approved_subscription_deploy() {
        BetaGate.requireAdmission(List.of(request("r1", AdmissionState.Approved, T0)), "vm-role", "contoso");
    }

    @Test
    void the_latest_request_decides_so_a_denied_subscription_may_ask_again() {
        var denied = request("r1", AdmissionState.Denied, T0);
        BetaGate.checkCanRequest(List.of(denied), "vm-role", "contoso", "second try");
        var pending = request("r2", AdmissionState.Pending, T0.plusSeconds(60));
        assertThatThrownBy(() -> BetaGate.checkCanRequest(List.of(denied, pending), "vm-role", "contoso", "third"))
                .hasMessageContaining("r2").hasMessageContaining("already waiting");
        assertThatThrownBy(() -> BetaGate.requireAdmission(List.of(denied, pending), "vm-role", "contoso"))
                .hasMessageContaining("waiting for an administrator");
    }

    @Test
    void a_request_needs_a_reason() {
        assertThatThrownBy(() -> BetaGate.checkCanRequest(List.of(), "vm-role", "contoso", " "))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.target()).isEqualTo("reason"));
    }

    @Test
    void a_decided_request_cannot_be_decided_again() {
        var approved = request("r1", AdmissionState.Pending, T0).decide(true, "admin", null, T0.plusSeconds(5));
        assertThat(approved.state()).isEqualTo(AdmissionState.Approved);
        assertThatThrownBy(() -> BetaGate.checkCanDecide(approved)).hasMessageContaining("already approved");
    }
}
