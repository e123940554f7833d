package org.vmrole.fabric.controller;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.fabric.reconcile.Action;

/** Runs the controller's reconcile passes on a fixed period on one daemon thread, until closed. */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);
    private final ScheduledExecutorService timer;

    public ReconcileLoop(FabricController controller, Duration period) {
        this(controller, period, actions -> { });
    }

    /** As above; {@code observer} sees the actions of every pass (metrics). */
    public ReconcileLoop(FabricController controller, Duration period, Consumer<List<Action>> observer) {
        this(controller, period, (actions, took) -> observer.accept(actions));
    }

    /** What a pass decided and how long it took (deciding and persisting). */
    @FunctionalInterface
    public interface PassObserver {
        void passed(List<Action> actions, Duration took);
    }

    /** As above; {@code observer} sees the actions and the duration of every pass. */
    public ReconcileLoop(FabricController controller, Duration period, PassObserver observer) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fabric-reconcile");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                long started = System.nanoTime();
                List<Action> actions = controller.reconcileOnce();
                observer.passed(actions, Duration.ofNanos(System.nanoTime() - started));
            } catch (RuntimeException e) {
                // a failed pass changed nothing in memory; the next one starts again from the same state
                log.error("reconcile pass failed: {}", e.getMessage(), e);
            }
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
