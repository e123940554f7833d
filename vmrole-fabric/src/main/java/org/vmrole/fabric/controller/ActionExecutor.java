package org.vmrole.fabric.controller;

import java.util.List;
import org.vmrole.fabric.reconcile.Action;
import org.vmrole.fabric.reconcile.InstanceAction;
import org.vmrole.fabric.reconcile.MarkHostDown;
import org.vmrole.fabric.reconcile.MarkHostUp;
import org.vmrole.fabric.reconcile.RemoveDeployment;
import org.vmrole.fabric.reconcile.RemoveInstance;
import org.vmrole.fabric.reconcile.UpdateDeployment;
import org.vmrole.fabric.reconcile.UpdateOperation;

/**
 * Carries the reconciler's actions out. Hosts pull their assignments, so starting, stopping, reimaging or moving
 * an instance is a change to desired state that the affected hosts see at their next heartbeat: executing a
 * pass is one atomic store commit.
 */
final class ActionExecutor {
    private final FabricState state;

    ActionExecutor(FabricState state) {
        this.state = state;
    }

    long execute(List<Action> actions) {
        ChangeSet changes = new ChangeSet();
        for (Action a : actions) {
            switch (a) {
                case RemoveInstance r -> changes.delete(StateCodec.key(r.instance()));
                case InstanceAction ia -> changes.put(ia.instance());
                case MarkHostDown m -> changes.put(m.host());
                case MarkHostUp m -> changes.put(m.host());
                case RemoveDeployment r -> changes.delete(StateCodec.deploymentKey(r.deploymentId()));
                case UpdateDeployment u -> changes.put(u.deployment());
                case UpdateOperation u -> changes.put(u.operation());
            }
        }
        return state.commit(changes);
    }
}
