package org.vmrole.host.link;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.model.host.HostRequest;

/**
 * Answers the controller's questions about this host's instances: waits for them over the host link (a held
 * request), answers each, and waits again. After a failure it polls again a second later, not at once.
 */
public final class HostRequestLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostRequestLoop.class);
    static final Duration WAIT = Duration.ofSeconds(20);

    private final ControllerClient controller;
    private final Function<HostRequest, String> answers;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("host-requests").factory());
    private volatile boolean closed;

    /** {@code answers} gives the text for one question (it must hold to the question's size limit). */
    public HostRequestLoop(ControllerClient controller, Function<HostRequest, String> answers) {
        this.controller = controller;
        this.answers = answers;
        loop.execute(this::poll);
    }

    private void poll() {
        if (closed) return;
        try {
            for (HostRequest r : controller.requests(WAIT)) {
                String text;
                try {
                    text = answers.apply(r);
                } catch (RuntimeException e) {
                    text = "this host could not answer: " + e.getMessage();
                }
                controller.answer(r.id(), text);
            }
            loop.execute(this::poll);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (closed) return;
            log.debug("host link questions: {}; asking again in a second", e.toString());
            loop.schedule(this::poll, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        loop.shutdownNow();
    }
}
