package org.vmrole.fabric.controller;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.vmrole.fabric.model.Operation;
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
 * pass is one store commit, split into transactions only when it is larger than the store takes in one (see
 * {@code FabricState.commit}).
 */
final class ActionExecutor {
    private static final Logger log = LoggerFactory.getLogger(ActionExecutor.class);
    private final FabricState state;

    /** One line per finished operation, with its id in the log context so it joins the operation's other lines. */
    private static void logFinished(Operation op) {
        try (var ignored = MDC.putCloseable("operation", op.id())) {
            if (op.error() == null) {
                log.info("{} {} {} after {} ms: {}", op.kind(), op.deploymentId(), op.status(), op.finishedMillis() - op.startedMillis(), op.progress());
            } else {
                log.warn("{} {} {} after {} ms: {}", op.kind(), op.deploymentId(), op.status(), op.finishedMillis() - op.startedMillis(), op.error());
            }
        }
    }

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
        long revision = state.commit(changes);
        for (Action a : actions) {
            if (a instanceof UpdateOperation u && !u.operation().inProgress()) logFinished(u.operation());
        }
        return revision;
    }
}
