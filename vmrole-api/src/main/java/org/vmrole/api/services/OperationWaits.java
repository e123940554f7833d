package org.vmrole.api.services;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.vmrole.fabric.model.Operation;

/**
 * Long polls on operations ({@code GET /operations/ID?wait=SECONDS}) that hold no request thread while they wait: each
 * waiting request is a future, and one ticker looks at every waiting operation ten times a second and completes
 * those that finished or ran out of time. A thousand waiting clients cost a thousand futures, not a thousand threads.
 */
public final class OperationWaits implements AutoCloseable {
    static final long TICK_MILLIS = 100;

    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "operation-waits");
        t.setDaemon(true);
        return t;
    });

    private record Waiting(Supplier<Operation> read, long deadlineNanos, CompletableFuture<Operation> done) {}

    public OperationWaits() {
        ticker.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The operation once it is no longer in progress, or as it is when {@code wait} has passed.
     *
     * @param now the operation as the caller may see it (ownership checked)
     * @param read reads it again (cheap: the ticker calls it for every waiting request)
     */
    public CompletableFuture<Operation> until(Operation now, Supplier<Operation> read, Duration wait) {
        if (!now.inProgress() || wait.isZero()) return CompletableFuture.completedFuture(now);
        Waiting w = new Waiting(read, System.nanoTime() + wait.toNanos(), new CompletableFuture<>());
        waiting.add(w);
        // a wait abandoned by its request (LongPoll) stops being read at once, not at its deadline
        w.done().whenComplete((op, failure) -> waiting.remove(w));
        return w.done();
    }

    private void tick() {
        long now = System.nanoTime();
        for (Waiting w : waiting) {
            try {
                Operation op = w.read().get();
                if (!op.inProgress() || now - w.deadlineNanos() >= 0) {
                    waiting.remove(w);
                    w.done().complete(op);
                }
            } catch (RuntimeException e) {
                waiting.remove(w);
                w.done().completeExceptionally(e);
            }
        }
    }

    /** How many requests wait now (for tests and metrics). */
    public int waiting() {
        return waiting.size();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        waiting.forEach(w -> w.done().cancel(false));
    }
}
