package org.vmrole.lb;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RotationRuleTest {

    @Test
    void a_ready_backend_that_passes_its_probe_is_in_rotation() {
        assertThat(RotationRule.inRotation(Availability.READY, ProbeHealth.HEALTHY, false, 3)).isTrue();
    }

    @Test
    void a_backend_not_yet_probed_or_failing_its_probe_is_out() {
        assertThat(RotationRule.inRotation(Availability.READY, ProbeHealth.UNKNOWN, false, 3)).isFalse();
        assertThat(RotationRule.inRotation(Availability.READY, ProbeHealth.FAILING, false, 3)).isFalse();
    }

    @Test
    void a_draining_or_unavailable_backend_is_out() {
        assertThat(RotationRule.inRotation(Availability.READY, ProbeHealth.HEALTHY, true, 3)).isFalse();
        assertThat(RotationRule.inRotation(Availability.UNAVAILABLE, ProbeHealth.HEALTHY, false, 1)).isFalse();
    }

    @Test
    void a_busy_backend_stays_only_as_the_sole_backend_and_only_while_its_probe_passes() {
        assertThat(RotationRule.inRotation(Availability.BUSY, ProbeHealth.HEALTHY, false, 1)).isTrue();
        assertThat(RotationRule.inRotation(Availability.BUSY, ProbeHealth.HEALTHY, false, 2)).isFalse();
        assertThat(RotationRule.inRotation(Availability.BUSY, ProbeHealth.FAILING, false, 1)).isFalse();
    }

    @Test
    void a_probe_fails_a_backend_after_the_threshold_and_one_pass_heals_it() {
        ProbeRecord healthy = ProbeRecord.INITIAL.after(true, 2);
        ProbeRecord once = healthy.after(false, 2);
        ProbeRecord twice = once.after(false, 2);

        assertThat(healthy.health()).isEqualTo(ProbeHealth.HEALTHY);
        assertThat(once.health()).isEqualTo(ProbeHealth.HEALTHY);
        assertThat(twice.health()).isEqualTo(ProbeHealth.FAILING);
        assertThat(twice.after(true, 2)).isEqualTo(new ProbeRecord(ProbeHealth.HEALTHY, 0));
        assertThat(healthy.refused().health()).isEqualTo(ProbeHealth.FAILING);
    }

    @Test
    void a_definition_probe_turns_azure_timeout_into_a_failure_threshold() {
        ProbeSpec spec = ProbeSpec.fromDefinition(ProbeSpec.Kind.HTTP, "/health", 15, 31);

        assertThat(spec.failureThreshold()).isEqualTo(2);
        assertThat(spec.interval()).hasSeconds(15);
    }
}
