package org.vmrole.fabric.controller;

import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.vmrole.host.HostAgent;
import org.vmrole.host.sim.SimulatedDriver;
import org.vmrole.model.host.HostCapacity;

/**
 * A host for tests: the real {@link HostAgent} over a {@link SimulatedDriver}, beating into a controller in
 * process. It can be partitioned (its VMs keep running, its heartbeats are lost) or lose power (its VMs vanish).
 */
final class SimulatedHost {
    final String name;
    final int faultDomain;
    final HostCapacity capacity;
    private final InstantSource clock;
    private final SimulatedDriver.Timings timings;
    private String token;
    private SimulatedDriver driver;
    private HostAgent agent;
    private long knownVersion = -1;
    /** The assignments the controller sent last. */
    List<org.vmrole.model.host.Assignment> assigned = List.of();
    boolean partitioned;
    /** The private-network tunnel address it registers with; null: none. */
    String networkAddress;

    SimulatedHost(String name, int faultDomain, HostCapacity capacity, InstantSource clock, SimulatedDriver.Timings timings) {
        this.name = name;
        this.faultDomain = faultDomain;
        this.capacity = capacity;
        this.clock = clock;
        this.timings = timings;
        powerOn();
    }

    void join(FabricController controller) {
        token = controller.issueJoinToken(name);
        controller.registerHost(token, new HostRegistration(name, capacity, faultDomain, networkAddress));
    }

    /** Uses a token issued earlier (by a controller that is gone); the host is registered already. */
    void rejoinWith(String issuedToken) {
        token = issuedToken;
    }

    /**
     * One heartbeat; applies the answer. Returns whether assignments came back. A host the controller refuses
     * stops every VM, as a host agent must: its instances are being recreated elsewhere.
     */
    boolean beat(FabricController controller) {
        if (partitioned) return false;
        Optional<AssignmentSet> answer;
        try {
            answer = controller.heartbeat(name, token, agent.observe(), knownVersion);
        } catch (HostNotAdmitted refused) {
            agent.stopAll();
            knownVersion = -1;
            return false;
        }
        answer.ifPresent(set -> {
            assigned = set.assignments();
            agent.apply(set.assignments());
            knownVersion = set.version();
        });
        return answer.isPresent();
    }

    /** A second of fabric time: every host beats, then one reconcile pass. */
    static void tick(org.vmrole.host.sim.SimulatedClock clock, List<SimulatedHost> hosts, FabricController controller) {
        clock.advance(java.time.Duration.ofSeconds(1));
        for (SimulatedHost h : hosts) h.beat(controller);
        controller.reconcileOnce();
    }

    /** Every VM dies with the machine; the agent comes back empty and relearns its assignments. */
    void powerCycle() {
        agent.close();
        powerOn();
    }

    private void powerOn() {
        driver = new SimulatedDriver(clock, timings);
        agent = new HostAgent(driver);
        knownVersion = -1;
    }

    SimulatedDriver driver() {
        return driver;
    }

    List<org.vmrole.model.host.ObservedInstance> observe() {
        return agent.observe();
    }

    String token() {
        return token;
    }
}
