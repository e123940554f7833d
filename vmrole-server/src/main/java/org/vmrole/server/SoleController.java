package org.vmrole.server;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.controller.ReconcileLoop;
import org.vmrole.api.metrics.PlatformMetrics;

/** The controller on one machine (SQLite): the only replica, so always the leader. */
final class SoleController implements ControllerRole {
    private final ReconcileLoop loop;
    private final String address;
    private final Instant since = Instant.now();

    SoleController(FabricController fabric, Duration period, PlatformMetrics metrics, String address) {
        metrics.leadership(true);
        this.loop = new ReconcileLoop(fabric, period, (actions, took) -> {
            metrics.reconciled(actions);
            metrics.reconcilePass(took);
        });
        this.address = address;
    }

    @Override
    public boolean leads() {
        return true;
    }

    @Override
    public Status status() {
        return new Status(address, since, List.of(new Replica(address, since, true)), List.of());
    }

    @Override
    public void close() {
        loop.close();
    }
}
