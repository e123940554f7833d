package org.vmrole.fabric.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmrole.fabric.reconcile.World.ofType;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.OperationKind;
import org.vmrole.fabric.model.OperationStatus;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HealthCause;

class ReconcilerTest {
    private final World world = new World().host("a", 0, 4).host("b", 1, 4).host("c", 2, 4);

    @Test
    void creates_and_places_every_instance_of_a_new_deployment_across_fault_domains() {
        world.deployment("d1", 3, VmSize.Small);
        List<Action> actions = world.pass();
        assertThat(ofType(actions, StartInstance.class)).hasSize(3);
        assertThat(world.instances.values()).extracting(RoleInstance::faultDomain).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(world.instance("d1/Web_IN_2").updateDomain()).isEqualTo(2);
        assertThat(world.instance("d1/Web_IN_0").incarnation()).isEqualTo(1);
    }

    @Test
    void decides_nothing_more_once_everything_runs() {
        world.deployment("d1", 3, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(world.pass()).isEmpty();
        assertThat(world.pass()).isEmpty();
    }

    @Test
    void reimages_an_instance_whose_vm_crashed_on_the_same_host() {
        world.deployment("d1", 1, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        RoleInstance before = world.instance("d1/Web_IN_0");
        world.report(before, RoleState.StoppedVM, HealthCause.PROCESS_EXITED);
        List<Action> actions = world.pass();
        ReimageInstance reimage = ofType(actions, ReimageInstance.class).get(0);
        assertThat(reimage.instance().host()).isEqualTo(before.host());
        assertThat(reimage.instance().incarnation()).isEqualTo(before.incarnation() + 1);
        assertThat(reimage.cause()).startsWith("VM exited");
    }

    @Test
    void resets_an_unresponsive_instance_then_reimages_it_if_it_stays_silent() {
        world.deployment("d1", 1, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.report(world.instance("d1/Web_IN_0"), RoleState.UnresponsiveRole, HealthCause.AGENT_SILENT);
        RebootInstance reboot = ofType(world.pass(), RebootInstance.class).get(0);
        assertThat(reboot.instance().rebootGeneration()).isEqualTo(1);
        world.report(world.instance("d1/Web_IN_0"), RoleState.UnresponsiveRole, HealthCause.AGENT_SILENT);
        ReimageInstance reimage = ofType(world.pass(), ReimageInstance.class).get(0);
        assertThat(reimage.instance().incarnation()).isEqualTo(2);
        assertThat(reimage.cause()).contains("still silent after a reset");
    }

    @Test
    void backs_off_a_crash_loop_and_then_moves_it_to_another_host() {
        world.deployment("d1", 1, VmSize.Small);
        world.pass();
        String firstHost = world.instance("d1/Web_IN_0").host();
        world.report(world.instance("d1/Web_IN_0"), RoleState.StoppedVM, HealthCause.PROCESS_EXITED);
        assertThat(ofType(world.pass(), ReimageInstance.class)).hasSize(1);
        world.report(world.instance("d1/Web_IN_0"), RoleState.StoppedVM, HealthCause.PROCESS_EXITED);
        BackOffInstance backOff = ofType(world.pass(), BackOffInstance.class).get(0);
        assertThat(backOff.cause()).contains("failure 2 in a row, restarting in 1 s");
        assertThat(InstanceView.of(world.instance("d1/Web_IN_0"), HostStatus.Up, null).state()).isEqualTo(RoleState.CyclingRole);
        assertThat(world.pass()).isEmpty();
        world.advance(Duration.ofSeconds(1));
        world.beat("a"); world.beat("b"); world.beat("c");
        assertThat(ofType(world.pass(), ReimageInstance.class)).hasSize(1);
        world.report(world.instance("d1/Web_IN_0"), RoleState.StoppedVM, HealthCause.GUEST_PANICKED);
        assertThat(ofType(world.pass(), BackOffInstance.class).get(0).cause()).contains("restarting in 2 s");
        world.advance(Duration.ofSeconds(2));
        world.beat("a"); world.beat("b"); world.beat("c");
        RelocateInstance move = ofType(world.pass(), RelocateInstance.class).get(0);
        assertThat(move.fromHost()).isEqualTo(firstHost);
        assertThat(move.instance().host()).isNotEqualTo(firstHost);
        assertThat(move.instance().incarnation()).isEqualTo(4);
    }

    @Test
    void marks_a_silent_host_down_and_recreates_its_instances_elsewhere_in_the_same_fault_domain() {
        world.host("a2", 0, 4);
        world.deployment("d1", 3, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        RoleInstance onA = world.instances.values().stream().filter(ri -> ri.faultDomain() == 0).findFirst().orElseThrow();
        String lost = onA.host();
        world.advance(Duration.ofSeconds(4));
        world.hosts.keySet().stream().filter(h -> !h.equals(lost)).toList().forEach(world::beat);
        List<Action> actions = world.pass();
        assertThat(ofType(actions, MarkHostDown.class)).extracting(m -> m.host().name()).containsExactly(lost);
        RelocateInstance move = ofType(actions, RelocateInstance.class).get(0);
        assertThat(move.instance().host()).isNotEqualTo(lost);
        assertThat(move.instance().faultDomain()).isEqualTo(0);
        assertThat(move.instance().incarnation()).isEqualTo(onA.incarnation() + 1);
        assertThat(move.cause()).isEqualTo("host " + lost + " is down");
    }

    @Test
    void a_host_that_returns_is_marked_up_without_the_instances_that_moved() {
        threeReadyInstancesThenHostAFallsSilent();
        assertThat(world.instances.values()).noneMatch(ri -> "a".equals(ri.host()));
        world.beat("a");
        assertThat(ofType(world.pass(), MarkHostUp.class)).hasSize(1);
        assertThat(world.hosts.get("a").status()).isEqualTo(HostStatus.Up);
    }

    @Test
    void waits_with_a_reason_when_no_host_has_room() {
        world.deployment("d1", 1, VmSize.ExtraLarge);
        world.operations.put("op1", Operation.started("op1", OperationKind.CreateDeployment, "d1", null, null, 0, world.now));
        List<Action> actions = world.pass();
        assertThat(ofType(actions, WaitForCapacity.class).get(0).instance().waitingReason())
                .isEqualTo("waiting: needs 8 cores, largest free host has 4");
        world.pass();
        assertThat(world.operations.get("op1").progress()).contains("0 of 1 instances ready; Web_IN_0 waiting: needs 8 cores, largest free host has 4");
        assertThat(world.pass()).isEmpty();
        world.host("big", 3, 8);
        assertThat(ofType(world.pass(), StartInstance.class).get(0).instance().host()).isEqualTo("big");
    }

    @Test
    void scale_in_stops_the_highest_indexes_and_keeps_the_fault_domains_balanced() {
        world.deployment("d1", 6, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.deployments.put("d1", world.deployments.get("d1").withInstanceCount("Web", 3));
        List<StopInstance> stops = ofType(world.pass(), StopInstance.class);
        assertThat(stops).extracting(s -> s.instance().name().index()).containsExactlyInAnyOrder(3, 4, 5);
        world.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(ofType(world.pass(), RemoveInstance.class)).hasSize(3);
        Map<Integer, Long> perDomain = world.instances.values().stream().collect(Collectors.groupingBy(RoleInstance::faultDomain, Collectors.counting()));
        assertThat(perDomain).containsOnlyKeys(0, 1, 2);
    }

    @Test
    void removes_a_deleted_deployment_once_every_instance_stopped() {
        world.deployment("d1", 2, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.deployments.put("d1", world.deployments.get("d1").markedForDeletion());
        world.operations.put("del", Operation.started("del", OperationKind.DeleteDeployment, "d1", null, null, 0, world.now));
        assertThat(ofType(world.pass(), StopInstance.class)).hasSize(2);
        assertThat(world.operations.get("del").progress()).isEqualTo("2 instances still stopping");
        world.hostsRunAssigned(RoleState.ReadyRole);
        List<Action> actions = world.pass();
        assertThat(ofType(actions, RemoveInstance.class)).hasSize(2);
        assertThat(ofType(actions, RemoveDeployment.class)).hasSize(1);
        assertThat(world.operations.get("del").status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(world.instances).isEmpty();
    }

    @Test
    void finishes_a_create_operation_when_every_instance_is_ready() {
        world.deployment("d1", 2, VmSize.Small);
        world.operations.put("op1", Operation.started("op1", OperationKind.CreateDeployment, "d1", null, null, 0, world.now));
        world.pass();
        world.hostsRunAssigned(RoleState.StartingRole);
        world.pass();
        assertThat(world.operations.get("op1").progress()).isEqualTo("0 of 2 instances ready");
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(world.operations.get("op1").status()).isEqualTo(OperationStatus.Succeeded);
    }

    @Test
    void does_not_finish_a_create_operation_while_an_instance_is_busy() {
        world.deployment("d1", 2, VmSize.Small);
        world.operations.put("op1", Operation.started("op1", OperationKind.CreateDeployment, "d1", null, null, 0, world.now));
        world.pass();
        world.hostsRunAssigned(RoleState.BusyRole);
        world.pass();
        assertThat(world.operations.get("op1").status()).isEqualTo(OperationStatus.InProgress);
        assertThat(world.operations.get("op1").progress()).isEqualTo("0 of 2 instances ready");
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(world.operations.get("op1").status()).isEqualTo(OperationStatus.Succeeded);
    }

    @Test
    void treats_an_instance_that_never_becomes_ready_as_failed() {
        world.deployment("d1", 1, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.StartingRole);
        world.advance(Duration.ofMinutes(6));
        world.hostsRunAssigned(RoleState.StartingRole);
        assertThat(ofType(world.pass(), ReimageInstance.class).get(0).cause()).contains("not ready 300 s after it was asked for");
    }

    @Test
    void decides_the_same_actions_for_the_same_input() {
        world.deployment("d1", 5, VmSize.Small).deployment("d2", 4, VmSize.Medium);
        List<Action> first = world.reconciler.reconcile(world.desired(), new ObservedState(world.observed), world.now);
        List<Action> second = world.reconciler.reconcile(world.desired(), new ObservedState(world.observed), world.now);
        assertThat(first).isEqualTo(second);
    }

    @Test
    void spreads_a_ready_role_again_when_a_lost_fault_domain_returns() {
        threeReadyInstancesThenHostAFallsSilent();
        world.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(world.instances.values()).noneMatch(ri -> ri.faultDomain() == 0);
        world.beat("a");
        List<RelocateInstance> moves = ofType(world.pass(), RelocateInstance.class);
        assertThat(moves).hasSize(1);
        assertThat(moves.get(0).instance().faultDomain()).isEqualTo(0);
        assertThat(moves.get(0).cause()).startsWith("spreading fault domains");
        world.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(world.pass()).as("the old copy leaves the rotation").allMatch(a -> a instanceof HandOver);
        assertThat(ofType(world.pass(), RelocateInstance.class)).as("nothing more moves").isEmpty();
    }

    @Test
    void moves_instances_off_a_draining_host_one_at_a_time_while_the_rest_of_the_role_is_ready() {
        World w = new World().host("a", 0, 4).host("b", 1, 4).host("c", 2, 4).host("d", 0, 4);
        w.deployment("d1", 3, VmSize.Small);
        w.pass();
        w.hostsRunAssigned(RoleState.ReadyRole);
        String drained = w.instance("d1/Web_IN_0").host();
        w.hosts.put(drained, w.hosts.get(drained).withStatus(HostStatus.Draining));
        List<Action> first = w.pass();
        List<RelocateInstance> moves = ofType(first, RelocateInstance.class);
        assertThat(moves).hasSize(1);
        assertThat(moves.get(0).instance().host()).isNotEqualTo(drained);
        assertThat(moves.get(0).instance().incarnation()).isEqualTo(2);
        assertThat(moves.get(0).cause()).contains("is draining");
        assertThat(ofType(w.pass(), RelocateInstance.class)).as("nothing more moves while the moved instance boots").isEmpty();
        w.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(w.instances.values()).extracting(RoleInstance::host).doesNotContain(drained);
        assertThat(w.pass()).isEmpty();
    }

    @Test
    void never_lets_a_rebalancing_trial_take_the_room_a_waiting_instance_needs() {
        World tight = new World().host("a", 0, 3).host("b", 1, 1).host("c", 2, 1);
        tight.deployment("d0", 3, VmSize.Small).deployment("dX", 1, VmSize.Small);
        // d0 is crowded in FD 0 and only FD 0 has a free core, so spreading it cannot help
        put(tight, "d0", 0, "a", 0);
        put(tight, "d0", 1, "a", 0);
        put(tight, "d0", 2, "b", 1);
        put(tight, "dX", 0, "c", 2);
        tight.hostsRunAssigned(RoleState.ReadyRole);
        tight.deployment("d1", 1, VmSize.Small);
        List<Action> actions = tight.pass();
        assertThat(ofType(actions, StartInstance.class)).extracting(s -> s.instance().key() + " on " + s.instance().host())
                .containsExactly("d1/Web_IN_0 on a");
        assertThat(ofType(actions, RelocateInstance.class)).isEmpty();
    }

    @Test
    void spreads_a_role_placed_while_one_fault_domain_had_a_host_when_a_host_of_another_joins() {
        World late = hostBJoinsLate();
        List<RelocateInstance> moves = ofType(late.pass(), RelocateInstance.class);
        assertThat(moves).hasSize(1);
        RoleInstance moved = moves.get(0).instance();
        assertThat(moved.host()).isEqualTo("b");
        assertThat(moved.incarnation()).isEqualTo(2);
        assertThat(moved.handover().host()).as("the old copy keeps serving on a").isEqualTo("a");
        assertThat(moved.handover().incarnation()).isEqualTo(1);
    }

    @Test
    void keeps_the_old_copy_until_the_new_one_is_ready_then_takes_it_out_of_rotation_and_drops_it() {
        World late = spreadStarted();
        late.report(movedOf(late), RoleState.StartingRole, HealthCause.AGENT_HELLO);
        assertThat(late.pass()).as("the old copy serves while the new one boots").isEmpty();
        late.report(movedOf(late), RoleState.ReadyRole, HealthCause.AGENT_READY);
        List<HandOver> released = ofType(late.pass(), HandOver.class);
        assertThat(released).singleElement().satisfies(h -> {
            assertThat(h.instance().handover().released()).as("out of rotation, still running").isTrue();
            assertThat(h.cause()).isEqualTo("ready on b; the copy on a leaves the rotation");
        });
        // the stop waits for the load balancer's drain in RotationHold, not for a delay chosen here
        assertThat(ofType(late.pass(), HandOver.class)).singleElement().satisfies(h -> assertThat(h.instance().handover()).isNull());
        assertThat(late.instances.values()).extracting(RoleInstance::faultDomain).containsExactlyInAnyOrder(0, 1);
        late.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(late.pass()).isEmpty();
    }

    @Test
    void moves_one_instance_at_a_time_until_the_role_is_spread() {
        World late = new World().host("a", 0, 8);
        late.deployment("d1", 4, VmSize.Small);
        late.pass();
        late.hostsRunAssigned(RoleState.ReadyRole);
        late.host("b", 1, 8);
        for (int pass = 0; pass < 20; pass++) {
            late.pass();
            assertThat(late.instances.values().stream().filter(ri -> ri.handover() != null)).as("moves under way").hasSizeLessThanOrEqualTo(1);
            late.hostsRunAssigned(RoleState.ReadyRole);
            late.advance(Duration.ofSeconds(3));
        }
        assertThat(late.instances.values()).extracting(RoleInstance::host).containsExactlyInAnyOrder("a", "a", "b", "b");
        assertThat(late.instances.values()).allMatch(ri -> ri.handover() == null);
    }

    @Test
    void drops_the_old_copy_at_once_when_its_host_goes_down() {
        World late = spreadStarted();
        late.advance(Duration.ofSeconds(4));
        late.beat("b");
        List<HandOver> dropped = ofType(late.pass(), HandOver.class);
        assertThat(dropped).singleElement().satisfies(h -> {
            assertThat(h.instance().handover()).isNull();
            assertThat(h.cause()).isEqualTo("the copy on a is gone (host down)");
        });
    }

    /** Two ready instances on host a (FD 0), placed while it was the only host; then host b (FD 1) joins. */
    private static World hostBJoinsLate() {
        World late = new World().host("a", 0, 4);
        late.deployment("d1", 2, VmSize.Small);
        late.pass();
        late.hostsRunAssigned(RoleState.ReadyRole);
        late.host("b", 1, 4);
        return late;
    }

    /** {@link #hostBJoinsLate()}, and a pass: one instance starts moving to host b. */
    private static World spreadStarted() {
        World late = hostBJoinsLate();
        late.pass();
        return late;
    }

    private static RoleInstance movedOf(World w) {
        return w.instances.values().stream().filter(ri -> ri.handover() != null).findFirst().orElseThrow();
    }

    /** Three ready instances, one per host; then host a says nothing for longer than the host timeout and a pass runs. */
    private void threeReadyInstancesThenHostAFallsSilent() {
        world.deployment("d1", 3, VmSize.Small);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.advance(Duration.ofSeconds(4));
        world.beat("b"); world.beat("c");
        world.pass();
    }

    private static void put(World w, String deployment, int index, String host, int faultDomain) {
        RoleInstance ri = RoleInstance.unplaced(deployment, new org.vmrole.model.InstanceName("Web", index), 5, "test")
                .placedOn(host, faultDomain, w.now, "test");
        w.instances.put(ri.key(), ri);
    }
}
