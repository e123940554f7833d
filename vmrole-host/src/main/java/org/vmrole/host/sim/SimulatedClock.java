package org.vmrole.host.sim;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that only moves when a test or benchmark moves it. */
public final class SimulatedClock implements InstantSource {
    private final AtomicLong millis;

    public SimulatedClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    /** Starts at 2026-01-01T00:00:00Z so that runs are reproducible. */
    public SimulatedClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public void advance(Duration by) {
        if (by.isNegative()) throw new IllegalArgumentException("a clock cannot go back: advance(" + by + ")");
        millis.addAndGet(by.toMillis());
    }

    public void set(Instant to) {
        millis.set(to.toEpochMilli());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }
}
