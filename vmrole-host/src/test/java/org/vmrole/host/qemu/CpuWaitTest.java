package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuWaitTest {
    @Test
    void threads_that_outnumber_the_cores_are_seen_waiting_for_a_cpu() throws InterruptedException {
        long pid = ProcessHandle.current().pid();
        long before = CpuWait.waitedMillis(pid);
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

        assertThat(CpuWait.waitedMillis(pid) - before).as("three runnable threads per core wait about two thirds of the time").isGreaterThan(200);
    }

    @Test
    void a_process_that_is_gone_has_waited_for_nothing() {
        assertThat(CpuWait.waitedMillis(Long.MAX_VALUE)).isZero();
    }

    @Test
    void the_time_a_guest_waited_for_a_cpu_is_not_counted_as_its_silence() {
        assertThat(CpuWait.usableMillis(13_000, 9_000)).isEqualTo(4_000);
        assertThat(CpuWait.usableMillis(6_000, 0)).isEqualTo(6_000);
        assertThat(CpuWait.usableMillis(2_000, 5_000)).as("a busiest-thread figure may exceed the window").isZero();
        assertThat(CpuWait.usableMillis(2_000, -5)).isEqualTo(2_000);
    }
}
