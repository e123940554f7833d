package org.vmrole.host;

import java.util.Optional;
import org.vmrole.model.host.HealthProbe;

/**
 * Turns probe results of an agentless instance into signals. Pure (the caller passes the time): every second until
 * the first pass (so a booting instance is Ready within a second of answering), then every {@code intervalSeconds};
 * a miss before the first pass says the role is still starting; after a pass, only {@code timeoutSeconds} without
 * another pass fails it, as the load balancer takes an instance out of rotation.
 */
public final class ProbeJudge {
    private final HealthProbe probe;
    private long lastAttemptMillis = Long.MIN_VALUE;
    private long lastPassMillis;
    private boolean passedOnce;

    public ProbeJudge(HealthProbe probe) {
        this.probe = probe;
    }

    public HealthProbe probe() {
        return probe;
    }

    public boolean due(long now) {
        long every = passedOnce ? probe.intervalSeconds() * 1000L : 1000L;
        return lastAttemptMillis == Long.MIN_VALUE || now - lastAttemptMillis >= every;
    }

    public void attempted(long now) {
        lastAttemptMillis = now;
    }

    /** The signal for one result, if any. */
    public Optional<VmSignal> record(boolean passed, long now) {
        if (passed) {
            passedOnce = true;
            lastPassMillis = now;
            return Optional.of(VmSignal.PROBE_PASSED);
        }
        if (!passedOnce) return Optional.of(VmSignal.PROBE_FAILED);
        return now - lastPassMillis >= probe.timeoutSeconds() * 1000L ? Optional.of(VmSignal.PROBE_FAILED) : Optional.empty();
    }

    /** After a reset the role starts again: the next pass is a first one. */
    public void restarted() {
        passedOnce = false;
        lastAttemptMillis = Long.MIN_VALUE;
    }
}
