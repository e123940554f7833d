package org.vmrole.fabric.model;

/**
 * What the healing policy remembers about one instance: failures since it was last stable, when the last one
 * happened, a restart held back until {@code restartAtMillis} (0 when none), and whether it was already reset
 * once for not answering in its current incarnation.
 */
public record Healing(int failures, long lastFailureMillis, long restartAtMillis, boolean resetForSilence) {
    public static final Healing NONE = new Healing(0, 0, 0, false);

    public Healing withFailure(long now, long restartAt) {
        return new Healing(failures + 1, now, restartAt, false);
    }

    public Healing withRestartDone() {
        return new Healing(failures, lastFailureMillis, 0, false);
    }

    public Healing withResetForSilence() {
        return new Healing(failures, lastFailureMillis, restartAtMillis, true);
    }

    public boolean restartPending() {
        return restartAtMillis != 0;
    }
}
