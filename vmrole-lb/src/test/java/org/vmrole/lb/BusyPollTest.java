package org.vmrole.lb;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BusyPollTest {

    @Test
    void keeps_polling_after_an_event_while_the_spin_lasts() throws Exception {
        SelectStrategy strategy = BusyPoll.factory(60_000_000_000L).newSelectStrategy();
        AtomicInteger ready = new AtomicInteger(3);

        assertThat(strategy.calculateStrategy(ready::get, false)).isEqualTo(3);
        ready.set(0);
        assertThat(strategy.calculateStrategy(ready::get, false)).isZero();
    }

    @Test
    void blocks_once_the_spin_after_the_last_event_is_over() throws Exception {
        SelectStrategy strategy = BusyPoll.factory(1).newSelectStrategy();
        AtomicInteger ready = new AtomicInteger(1);
        assertThat(strategy.calculateStrategy(ready::get, false)).isEqualTo(1);
        ready.set(0);
        long after = System.nanoTime() + 1_000;
        while (System.nanoTime() < after) {
            Thread.onSpinWait();
        }

        assertThat(strategy.calculateStrategy(ready::get, false)).isEqualTo(SelectStrategy.SELECT);
    }

    @Test
    void never_blocks_while_tasks_wait() throws Exception {
        SelectStrategy strategy = BusyPoll.factory(1).newSelectStrategy();

        assertThat(strategy.calculateStrategy(() -> 0, true)).isZero();
    }

    @Test
    void is_the_plain_blocking_strategy_when_off() throws Exception {
        assertThat(BusyPoll.factory(0).newSelectStrategy().calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
        assertThatThrownBy(() -> BusyPoll.factory(-1)).hasMessageContaining("give 0 (off) or more");
    }
}
