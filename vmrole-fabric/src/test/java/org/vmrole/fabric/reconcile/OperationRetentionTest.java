package org.vmrole.fabric.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.OperationKind;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.model.Upgrade;
import org.vmrole.fabric.model.UpgradeMode;
import org.vmrole.model.VmSize;

class OperationRetentionTest {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final long NOW = 100 * DAY;
    private final OperationRetention retention = new OperationRetention(Duration.ofDays(7), 3, 1_000);

    private static Operation finished(String id, String deployment, long finishedAt) {
        return Operation.started(id, OperationKind.ScaleRole, deployment, "WebVM", null, 0, finishedAt - 1_000).succeeded("done", finishedAt);
    }

    private static List<String> ids(List<Operation> ops) {
        return ops.stream().map(Operation::id).toList();
    }

    @Test
    void forgets_finished_operations_older_than_a_week_and_keeps_those_in_progress_however_old() {
        List<Operation> ops = List.of(finished("op-1", "d1", NOW - 8 * DAY), finished("op-2", "d1", NOW - 6 * DAY),
                Operation.started("op-3", OperationKind.CreateDeployment, "d2", null, null, 0, NOW - 30 * DAY));
        assertThat(ids(retention.expired(ops, List.of(), NOW))).containsExactly("op-1");
    }

    @Test
    void keeps_the_newest_finished_operations_of_each_deployment_and_forgets_the_rest_oldest_first() {
        List<Operation> ops = new ArrayList<>();
        for (int i = 1; i <= 5; i++) ops.add(finished("op-d1-" + i, "d1", NOW - i * 60_000));
        ops.add(finished("op-d2-1", "d2", NOW - 10 * 60_000));
        assertThat(ids(retention.expired(ops, List.of(), NOW))).containsExactly("op-d1-5", "op-d1-4");
    }

    @Test
    void keeps_an_operation_a_deployments_upgrade_still_names() {
        RoleSpec role = new RoleSpec("WebVM", VmSize.Small, 1, "sha256:0123", Map.of(), List.of(), List.of());
        Deployment upgrading = new Deployment("d1", "contoso", "production", 5, List.of(role), false)
                .withUpgrade(Upgrade.start(2, UpgradeMode.Manual, List.of(role), List.of(0), "op-old"));
        List<Operation> ops = List.of(finished("op-old", "d1", NOW - 30 * DAY));
        assertThat(retention.expired(ops, List.of(upgrading), NOW)).isEmpty();
    }

    @Test
    void forgets_a_long_history_a_bounded_number_at_a_time() {
        List<Operation> ops = new ArrayList<>();
        for (int i = 0; i < 50; i++) ops.add(finished("op-" + (1_000 + i), "d1", NOW - 30 * DAY + i));
        List<Operation> first = new OperationRetention(Duration.ofDays(7), 3, 20).expired(ops, List.of(), NOW);
        assertThat(first).hasSize(20);
        assertThat(ids(first).getFirst()).isEqualTo("op-1000");
    }
}
