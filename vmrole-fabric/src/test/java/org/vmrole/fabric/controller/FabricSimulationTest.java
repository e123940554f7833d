package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Seeded random failure schedules against the controller and simulated hosts. {@code -Dvmrole.simulation.schedules=N}
 * runs more, {@code -Dvmrole.simulation.firstSeed=F} starts elsewhere than seed 1, and
 * {@code -Dvmrole.simulation.seed=S} replays one schedule exactly.
 */
class FabricSimulationTest {
    private static final int DEFAULT_SCHEDULES = 300;

    @Test
    void keeps_its_invariants_through_random_failure_schedules() {
        String only = System.getProperty("vmrole.simulation.seed", "");
        if (!only.isBlank()) {
            FabricSimulation replay = new FabricSimulation(Long.parseLong(only.trim()));
            replay.run();
            System.out.println("seed " + only.trim() + " passed:\n" + replay.outcome());
            return;
        }
        String asked = System.getProperty("vmrole.simulation.schedules", "");
        int schedules = asked.isBlank() ? DEFAULT_SCHEDULES : Integer.parseInt(asked.trim());
        String from = System.getProperty("vmrole.simulation.firstSeed", "");
        long first = from.isBlank() ? 1 : Long.parseLong(from.trim());
        int ran = 0;
        for (long seed = first; seed < first + schedules; seed++) {
            new FabricSimulation(seed).run();
            ran++;
        }
        assertThat(ran).isEqualTo(schedules);
    }

    @Test
    void replays_a_schedule_exactly_from_its_seed() {
        FabricSimulation first = new FabricSimulation(42);
        first.run();
        FabricSimulation again = new FabricSimulation(42);
        again.run();
        assertThat(again.outcome()).isEqualTo(first.outcome());
        FabricSimulation other = new FabricSimulation(43);
        other.run();
        assertThat(other.outcome()).isNotEqualTo(first.outcome());
    }
}
