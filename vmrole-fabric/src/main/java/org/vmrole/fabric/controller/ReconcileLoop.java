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
    /** A pass, or a delay before one, longer than this is logged: a quarter of the hosts' heartbeat timeout. */
    private static final Duration SLOW = Duration.ofSeconds(1);
    private final ScheduledExecutorService timer;
    /** When the last pass ended (System.nanoTime), 0 before the first; read and written on the timer's thread only. */
    private long lastEnded;

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
                long late = lastEnded == 0 ? 0 : (started - lastEnded) / 1_000_000 - period.toMillis();
                List<Action> actions = controller.reconcileOnce();
                lastEnded = System.nanoTime();
                Duration took = Duration.ofNanos(lastEnded - started);
                // hosts' heartbeats wait while a pass holds the controller: a long one is why hosts are declared down
                if (took.compareTo(SLOW) > 0 || late > SLOW.toMillis()) {
                    log.warn("reconcile pass took {} ms and started {} ms late ({} actions): heartbeats wait meanwhile", took.toMillis(), Math.max(0, late), actions.size());
                }
                observer.passed(actions, took);
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
