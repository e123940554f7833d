package org.vmrole.fabric.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmrole.fabric.reconcile.World.ofType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.OperationKind;
import org.vmrole.fabric.model.OperationStatus;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.model.Upgrade;
import org.vmrole.fabric.model.UpgradeMode;
import org.vmrole.fabric.model.UpgradeState;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HealthCause;

class UpgradeWalkTest {
    private static final String OLD = "sha256:old";
    private static final String NEW = "sha256:new";
    private final World world = new World().host("a", 0, 8).host("b", 1, 8).host("c", 2, 8);

    @BeforeEach
    void three_instances_in_three_update_domains_run_ready() {
        world.deployments.put("d1", new Deployment("d1", "svc", "production", 3, List.of(role(OLD, "hi")), false));
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        assertThat(world.pass()).isEmpty();
    }

    private static RoleSpec role(String image, String greeting) {
        return new RoleSpec("Web", VmSize.Small, 3, image, Map.of("Greeting", greeting), List.of(), List.of());
    }

    private Operation startUpgrade(UpgradeMode mode) {
        Deployment d = world.deployments.get("d1");
        Operation op = Operation.started("op-up", OperationKind.UpgradeDeployment, "d1", null, null, 2, world.now);
        world.operations.put(op.id(), op);
        world.deployments.put("d1", d.withUpgrade(Upgrade.start(2, mode, List.of(role(NEW, "hello")), d.usedUpdateDomains(), op.id())));
        return op;
    }

    private long incarnation(int index) {
        return world.instance("d1/Web_IN_" + index).incarnation();
    }

    private String image(int index) {
        Deployment d = world.deployments.get("d1");
        return d.specFor("Web", world.instance("d1/Web_IN_" + index).updateDomain()).orElseThrow().imageDigest();
    }

    private Operation operation(String id) {
        return world.operations.get(id);
    }

    @Test
    void walks_update_domains_in_order_and_ends_on_the_new_version() {
        Operation op = startUpgrade(UpgradeMode.Auto);
        List<Action> first = world.pass();
        assertThat(ofType(first, ReimageInstance.class)).extracting(r -> r.instance().name().toString()).containsExactly("Web_IN_0");
        assertThat(List.of(incarnation(0), incarnation(1), incarnation(2))).containsExactly(2L, 1L, 1L);
        assertThat(List.of(image(0), image(1), image(2))).containsExactly(NEW, OLD, OLD);
        assertThat(operation(op.id()).progress()).contains("update domain 0");

        world.pass();
        assertThat(incarnation(1)).as("UD 1 waits until UD 0 is ready on the new version").isEqualTo(1);
        assertThat(operation(op.id()).progress()).contains("Web_IN_0 CreatingVM");

        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(List.of(incarnation(0), incarnation(1), incarnation(2))).containsExactly(2L, 2L, 1L);
        assertThat(world.deployments.get("d1").upgrade().walkedDomains()).containsExactly(0);
        assertThat(operation(op.id()).progress()).contains("update domain 1").contains("walked [0]");

        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        Deployment done = world.deployments.get("d1");
        assertThat(done.upgrade()).isNull();
        assertThat(done.version()).isEqualTo(2);
        assertThat(done.roles().get(0).imageDigest()).isEqualTo(NEW);
        assertThat(List.of(incarnation(0), incarnation(1), incarnation(2))).containsExactly(2L, 2L, 2L);
        assertThat(operation(op.id()).status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(operation(op.id()).progress()).isEqualTo("version 2 on update domains [0, 1, 2]");
        assertThat(world.pass()).isEmpty();
    }

    @Test
    void a_manual_upgrade_walks_one_domain_per_walk_request() {
        Operation op = startUpgrade(UpgradeMode.Manual);
        world.pass();
        assertThat(incarnation(0)).as("nothing moves before the first walk").isEqualTo(1);
        assertThat(operation(op.id()).status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(operation(op.id()).progress()).contains("walk update domain 0 next");

        walk(0);
        world.pass();
        assertThat(incarnation(0)).isEqualTo(2);
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(operation("op-walk-0").status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(operation("op-walk-0").progress()).contains("walk update domain 1 next");
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(incarnation(1)).as("UD 1 waits for its walk").isEqualTo(1);
        assertThat(world.deployments.get("d1").upgrade().state()).isEqualTo(UpgradeState.Waiting);
    }

    private void walk(int domain) {
        Deployment d = world.deployments.get("d1");
        Operation op = Operation.started("op-walk-" + domain, OperationKind.WalkUpgradeDomain, "d1", null, null, domain, world.now);
        world.operations.put(op.id(), op);
        world.deployments.put("d1", d.withUpgrade(d.upgrade().permitted(domain, op.id())));
    }

    @Test
    void a_domain_whose_instance_fails_to_start_stops_the_walk_with_the_reason() {
        Operation op = startUpgrade(UpgradeMode.Auto);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.report(world.instance("d1/Web_IN_0"), RoleState.FailedStartingVM, HealthCause.START_FAILED);
        world.pass();
        world.pass();
        Upgrade u = world.deployments.get("d1").upgrade();
        assertThat(u.state()).isEqualTo(UpgradeState.Failed);
        assertThat(u.reason()).contains("update domain 0").contains("Web_IN_0").contains("VM failed to start").contains("--rollback");
        assertThat(operation(op.id()).status()).isEqualTo(OperationStatus.Failed);
        assertThat(operation(op.id()).error()).isEqualTo(u.reason());
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(incarnation(1)).as("a stopped walk touches no further domain").isEqualTo(1);
    }

    @Test
    void rollback_returns_the_walked_domains_to_the_old_version_newest_first() {
        startUpgrade(UpgradeMode.Auto);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass(); // UD 0 done, UD 1 reimaging
        assertThat(List.of(image(0), image(1), image(2))).containsExactly(NEW, NEW, OLD);

        Operation back = Operation.started("op-back", OperationKind.RollbackUpgrade, "d1", null, null, 1, world.now);
        world.operations.put(back.id(), back);
        world.deployments.put("d1", world.deployments.get("d1").rollingBack(back.id()));
        assertThat(List.of(image(0), image(1), image(2))).as("turning the upgrade around moves nothing by itself").containsExactly(NEW, NEW, OLD);

        world.pass();
        assertThat(List.of(image(0), image(1), image(2))).containsExactly(NEW, OLD, OLD);
        assertThat(List.of(incarnation(0), incarnation(1), incarnation(2))).containsExactly(2L, 3L, 1L);
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        assertThat(List.of(image(0), image(1), image(2))).containsExactly(OLD, OLD, OLD);
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass();
        Deployment d = world.deployments.get("d1");
        assertThat(d.upgrade()).isNull();
        assertThat(d.version()).isEqualTo(1);
        assertThat(d.roles().get(0).imageDigest()).isEqualTo(OLD);
        assertThat(incarnation(2)).as("the domain never walked is never touched").isEqualTo(1);
        assertThat(operation("op-back").status()).isEqualTo(OperationStatus.Succeeded);
    }

    @Test
    void rolling_back_a_rollback_takes_every_domain_to_the_new_version() {
        startUpgrade(UpgradeMode.Auto);
        world.pass();
        world.hostsRunAssigned(RoleState.ReadyRole);
        world.pass(); // UD 0 walked, UD 1 reimaging onto the new version
        world.deployments.put("d1", world.deployments.get("d1").rollingBack("op-back"));
        world.pass(); // UD 1 goes back first
        assertThat(List.of(image(0), image(1), image(2))).containsExactly(NEW, OLD, OLD);
        world.deployments.put("d1", world.deployments.get("d1").rollingBack("op-again"));
        assertThat(world.deployments.get("d1").upgrade().pendingDomains()).containsExactly(1, 2);
        for (int i = 0; i < 4; i++) {
            world.hostsRunAssigned(RoleState.ReadyRole);
            world.pass();
        }
        Deployment d = world.deployments.get("d1");
        assertThat(d.upgrade()).isNull();
        assertThat(d.version()).isEqualTo(2);
        assertThat(List.of(image(0), image(1), image(2))).containsExactly(NEW, NEW, NEW);
    }

    @Test
    void a_crash_in_a_domain_not_yet_walked_heals_on_the_old_version() {
        startUpgrade(UpgradeMode.Auto);
        world.pass();
        world.report(world.instance("d1/Web_IN_2"), RoleState.StoppedVM, HealthCause.PROCESS_EXITED);
        List<Action> actions = world.pass();
        assertThat(ofType(actions, ReimageInstance.class)).extracting(r -> r.instance().name().toString()).contains("Web_IN_2");
        assertThat(incarnation(2)).isEqualTo(2);
        assertThat(image(2)).isEqualTo(OLD);
        assertThat(world.deployments.get("d1").upgrade().currentDomain()).isEqualTo(0);
    }
}
