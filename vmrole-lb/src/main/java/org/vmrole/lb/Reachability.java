package org.vmrole.lb;

import java.time.Duration;

/**
 * A fast check, apart from the pool's probe, that the machine of a backend still answers: every {@code interval} a
 * TCP connect to {@code port} of the backend's address (the echo port, 7, by default: one nothing listens on), bounded
 * by {@code timeout}. A refusal is an answer as good as an accepted connection (closed at once): the machine is there.
 * Only silence counts as a miss, and {@code failures} misses in a row take the backend out as a refused connection
 * would, its probe then running at once. It notices a machine that vanished (no refusal ever comes back) in well under
 * a second, where the probe at Azure's 15 s interval, or the controller missing heartbeats, would take seconds; and it
 * never reaches the backend's own port, so it costs the instance nothing. It says nothing of the application, so it
 * never puts a backend back in rotation: the probe does.
 */
public record Reachability(Duration interval, Duration timeout, int failures, int port) {

    /** Every 100 ms, each connect bounded by 200 ms, out after two misses: a vanished machine is out within about 0.6 s. */
    public static final Reachability FAST = new Reachability(Duration.ofMillis(100), Duration.ofMillis(200), 2, 7);

    public Reachability {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("reachability interval is " + interval + ": give a positive duration");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("reachability timeout is " + timeout + ": give a positive duration");
        }
        if (failures < 1) {
            throw new IllegalArgumentException("reachability failures is " + failures + ": give 1 or more");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("reachability port is " + port + ": give 1-65535, one nothing listens on (7)");
        }
    }

    /** The same check, knocking on {@code other}. */
    public Reachability onPort(int other) {
        return new Reachability(interval, timeout, failures, other);
    }
}
