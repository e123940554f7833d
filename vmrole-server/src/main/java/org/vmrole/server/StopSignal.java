package org.vmrole.server;

import java.util.concurrent.CountDownLatch;

/** Runs a command's cleanup once when the process is asked to stop (Ctrl-C, SIGTERM), and lets the command wait for that. */
final class StopSignal {
    private final CountDownLatch stopped = new CountDownLatch(1);

    private StopSignal() {}

    /** Registers {@code cleanup} to run at shutdown; register early, so a stop during start-up also cleans up. */
    static StopSignal onStop(String name, Runnable cleanup) {
        StopSignal signal = new StopSignal();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cleanup.run();
            signal.stopped.countDown();
        }, name));
        return signal;
    }

    /** Blocks until the process is stopping and the cleanup has run. */
    void await() throws InterruptedException {
        stopped.await();
    }
}
