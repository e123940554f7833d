package org.vmrole.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vmrole.host.HostAgent;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.host.sim.SimulatedDriver;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;

/**
 * What a simulated instance costs: heap per instance and time per observation round for N instances
 * on one {@link SimulatedDriver} behind a {@link HostAgent}. Prints figures for BENCHMARKS.md.
 */
public final class SimulatedHostScenario {
    private SimulatedHostScenario() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        SimulatedClock clock = new SimulatedClock();
        List<Assignment> desired = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            desired.add(new Assignment("bench", new InstanceName("WebVM", i), 1, 0, VmSize.ExtraSmall, "sample", i % 5, i % 2,
                    Map.of(), List.of(), List.of()));
        }
        long heap0 = HeapUse.afterGc();
        SimulatedDriver driver = new SimulatedDriver(clock);
        HostAgent host = new HostAgent(driver);
        long t0 = System.nanoTime();
        host.apply(desired);
        long applyMs = (System.nanoTime() - t0) / 1_000_000;
        clock.advance(Duration.ofSeconds(10));
        t0 = System.nanoTime();
        long ready = host.observe().stream().filter(o -> o.state() == RoleState.ReadyRole).count();
        long observeMs = (System.nanoTime() - t0) / 1_000_000;
        long heap1 = HeapUse.afterGc();
        System.out.printf("%d simulated instances: apply %d ms, one observe round %d ms (%d Ready), heap %.0f bytes per instance "
                + "(assignments included)%n", n, applyMs, observeMs, ready, (double) (heap1 - heap0) / n);
        if (ready != n) throw new IllegalStateException("only " + ready + " of " + n + " became Ready");
        host.close();
    }
}
