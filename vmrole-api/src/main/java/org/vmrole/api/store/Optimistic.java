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
    static final int ATTEMPTS = 16;

    private Optimistic() {}

    public static <T> T retry(Supplier<T> step) {
        for (int attempt = 1; ; attempt++) {
            try {
                return step.get();
            } catch (RevisionConflict e) {
                if (attempt >= ATTEMPTS) throw e;
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
