package org.vmrole.lb;

import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

/**
 * Keeps an idle event loop polling (a non-blocking epoll_wait) for a while after its last event before it blocks,
 * like HAProxy's {@code busy-polling}. A loop that does not sleep between requests is not woken by them either:
 * on a machine (or VM) where a wake-up costs an inter-processor interrupt and an idle-state exit, that saves tens of
 * microseconds per hop, for the price of a CPU kept busy while traffic flows. Only for a balancer with CPUs of its
 * own; off by default.
 */
final class BusyPoll implements SelectStrategy {

    private final long spinNanos;
    private long spinUntil;

    private BusyPoll(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    /** The default strategy when {@code spinNanos} is 0, else one that polls that long after each event before blocking. */
    static SelectStrategyFactory factory(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("busy poll of " + spinNanos + " ns: give 0 (off) or more");
        }
        return spinNanos == 0 ? DefaultSelectStrategyFactory.INSTANCE : () -> new BusyPoll(spinNanos);
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        int ready = selectNow.get();
        if (ready > 0 || hasTasks) {
            spinUntil = System.nanoTime() + spinNanos;
            return ready;
        }
        // Nothing ready: poll again on the next turn while the spin lasts, then block until an event or a timer.
        return System.nanoTime() < spinUntil ? ready : SelectStrategy.SELECT;
    }
}
