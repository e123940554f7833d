package org.vmrole.fabric.model;

/**
 * An asynchronous request and how far it got. {@code role} and {@code instance} narrow the target when the kind
 * needs them; {@code goal} is the incarnation or reboot generation a reimage or reboot waits for.
 */
public record Operation(
        String id,
        OperationKind kind,
        String deploymentId,
        String role,
        String instance,
        long goal,
        OperationStatus status,
        String progress,
        String error,
        long startedMillis,
        long finishedMillis) {

    /** Older first among operations of the same millisecond: ids are op-<store revision>, so op-9 comes before op-10. */
    public static final java.util.Comparator<Operation> BY_ID_AGE =
            java.util.Comparator.comparingInt((Operation op) -> op.id().length()).thenComparing(Operation::id);

    public static Operation started(String id, OperationKind kind, String deploymentId, String role, String instance, long goal, long now) {
        return new Operation(id, kind, deploymentId, role, instance, goal, OperationStatus.InProgress, "accepted", null, now, 0);
    }

    public Operation withProgress(String text) {
        return new Operation(id, kind, deploymentId, role, instance, goal, status, text, error, startedMillis, finishedMillis);
    }

    public Operation succeeded(String text, long now) {
        return new Operation(id, kind, deploymentId, role, instance, goal, OperationStatus.Succeeded, text, null, startedMillis, now);
    }

    public Operation failed(String why, long now) {
        return new Operation(id, kind, deploymentId, role, instance, goal, OperationStatus.Failed, progress, why, startedMillis, now);
    }

    public boolean inProgress() {
        return status == OperationStatus.InProgress;
    }
}
