package org.vmrole.image;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link ImageRepository#sweep()} every so often, so idle uploads and orphaned blobs do not pile up. */
public final class RepositorySweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RepositorySweeper.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "image-sweeper");
        t.setDaemon(true);
        return t;
    });

    /** Starts sweeping {@code repo} every {@code every}, the first time after one period. */
    public RepositorySweeper(ImageRepository repo, Duration every) {
        long ms = every.toMillis();
        if (ms < 1) throw new IllegalArgumentException("sweep period must be at least 1 ms, got " + every);
        timer.scheduleWithFixedDelay(() -> {
            try {
                repo.sweep();
            } catch (IOException | RuntimeException e) {
                log.warn("image repository sweep failed; will try again in {} ms: {}", ms, e.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
