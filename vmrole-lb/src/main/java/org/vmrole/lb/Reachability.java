package org.vmrole.lb;

import java.time.Duration;

/**
 * A fast check, apart from the pool's probe, that a backend's address still accepts connections: a TCP connect every
 * {@code interval}, bounded by {@code timeout}, closed at once. {@code failures} misses in a row take the backend out
 * as a refused connection would, and its probe runs again at once. It notices a machine that vanished (no refusal
 * ever comes back) in well under a second where the probe, at Azure's 15 s interval, would take half a minute; it
 * says nothing of the application, so it never puts a backend back in rotation: the probe does.
 */
public record Reachability(Duration interval, Duration timeout, int failures) {

    /** Every 100 ms, each connect bounded by 200 ms, out after two misses: a vanished machine is out within about 0.6 s. */
    public static final Reachability FAST = new Reachability(Duration.ofMillis(100), Duration.ofMillis(200), 2);

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
    }
}
