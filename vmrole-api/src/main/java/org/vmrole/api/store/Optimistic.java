package org.vmrole.api.store;

import java.util.function.Supplier;
import org.vmrole.fabric.store.RevisionConflict;

/**
 * Runs a read-decide-commit step again when its commit met a revision another writer made first. The step reads
 * afresh each time, so a change that only touched the same record (a deploy into the other slot of one service)
 * goes through, and a change that really conflicts (the same id created twice) is decided again and refused with
 * its own 409. Only a step that keeps losing reaches the caller as the store's {@link RevisionConflict}.
 */
public final class Optimistic {
    // each round of a race has a winner, so N writers racing on one record need at most N rounds
    static final int ATTEMPTS = 64;

    private Optimistic() {}

    public static <T> T retry(Supplier<T> step) {
        for (int attempt = 1; ; attempt++) {
            try {
                return step.get();
            } catch (RevisionConflict e) {
                if (attempt >= ATTEMPTS) throw e;
                // a short random pause spreads the losers out, so the next round is not the same crowd at once
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.ThreadLocalRandom.current().nextLong(Math.min(attempt, 8) * 250_000L + 1));
            }
        }
    }

    public static void retry(Runnable step) {
        retry(() -> {
            step.run();
            return null;
        });
    }
}
