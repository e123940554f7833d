package org.vmrole.lb;

/** A backend's probe history reduced to what rotation needs: health and the run of consecutive failures. */
record ProbeRecord(ProbeHealth health, int consecutiveFailures) {

    static final ProbeRecord INITIAL = new ProbeRecord(ProbeHealth.UNKNOWN, 0);

    /** One probe result: a pass heals at once; failures count up to the threshold. */
    ProbeRecord after(boolean passed, int failureThreshold) {
        if (passed) {
            return new ProbeRecord(ProbeHealth.HEALTHY, 0);
        }
        int failures = consecutiveFailures + 1;
        ProbeHealth next = failures >= failureThreshold ? ProbeHealth.FAILING : health;
        return new ProbeRecord(next, failures);
    }

    /** A refused or timed-out connection from live traffic: the instance is likely gone, so out at once. */
    ProbeRecord refused() {
        return new ProbeRecord(ProbeHealth.FAILING, consecutiveFailures + 1);
    }
}
