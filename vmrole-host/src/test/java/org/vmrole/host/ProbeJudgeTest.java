package org.vmrole.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmrole.model.host.HealthProbe;

class ProbeJudgeTest {
    private final ProbeJudge judge = new ProbeJudge(new HealthProbe(80, "/", 15, 31, true));

    @Test
    void probes_every_second_until_the_first_pass_then_at_the_interval() {
        judge.attempted(0);
        assertThat(judge.due(999)).isFalse();
        assertThat(judge.due(1000)).isTrue();
        judge.record(true, 1000);
        judge.attempted(1000);
        assertThat(judge.due(2000)).isFalse();
        assertThat(judge.due(16_000)).isTrue();
    }

    @Test
    void fails_only_after_the_timeout_without_a_pass() {
        assertThat(judge.record(false, 0)).contains(VmSignal.PROBE_FAILED);
        assertThat(judge.record(true, 1000)).contains(VmSignal.PROBE_PASSED);
        assertThat(judge.record(false, 16_000)).isEmpty();
        assertThat(judge.record(false, 32_000)).contains(VmSignal.PROBE_FAILED);
    }
}
