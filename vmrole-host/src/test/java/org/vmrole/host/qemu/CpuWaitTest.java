package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuWaitTest {
    @Test
    void threads_that_outnumber_the_cores_are_seen_waiting_for_a_cpu() throws InterruptedException {
        long pid = ProcessHandle.current().pid();
        CpuWait before = CpuWait.of(pid);
        long until = System.nanoTime() + 1_500_000_000L;
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors() * 3; i++) {
            spinners.add(Thread.ofPlatform().start(() -> {
                long x = 0;
                while (System.nanoTime() < until) x += System.identityHashCode(this);
                if (x == 42) System.out.print("");
            }));
        }
        for (Thread t : spinners) t.join();

        assertThat(CpuWait.of(pid).millisSince(before)).as("three runnable threads per core wait about two thirds of the time").isGreaterThan(200);
    }

    @Test
    void a_process_that_is_gone_has_waited_for_nothing() {
        assertThat(CpuWait.of(Long.MAX_VALUE)).isEqualTo(CpuWait.NONE);
        assertThat(CpuWait.NONE.millisSince(CpuWait.NONE)).isZero();
    }

    @Test
    void each_thread_is_compared_with_its_own_earlier_wait() {
        CpuWait earlier = new CpuWait(Map.of("1", 9_000_000_000L, "2", 100_000_000L));
        CpuWait now = new CpuWait(Map.of("1", 9_050_000_000L, "2", 2_100_000_000L, "3", 300_000_000L));

        assertThat(now.millisSince(earlier)).as("thread 2 waited 2 s; thread 1's long past does not count").isEqualTo(2_000);
    }

    @Test
    void the_time_a_guest_waited_for_a_cpu_is_not_counted_as_its_silence() {
        assertThat(CpuWait.usableMillis(13_000, 9_000)).isEqualTo(4_000);
        assertThat(CpuWait.usableMillis(6_000, 0)).isEqualTo(6_000);
        assertThat(CpuWait.usableMillis(2_000, 5_000)).as("a busiest-thread figure may exceed the window").isZero();
        assertThat(CpuWait.usableMillis(2_000, -5)).isEqualTo(2_000);
    }
}
