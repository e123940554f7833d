package org.vmrole.model.host;

/**
 * A drive as its host sees it on one instance: the role's name for it, {@code write} or {@code snapshot}, and the state
 * of the writer's lease ({@link #HELD} while renewed, {@link #LOST} once a renewal was refused: broken or expired;
 * {@link #NONE} for a read-only snapshot). {@code holder} names the lease holder ({@code Role_IN_0#3 on host:dir}).
 */
public record ObservedDrive(String name, String mode, String lease, String holder) {
    public static final String HELD = "held";
    public static final String LOST = "lost";
    public static final String NONE = "none";

    public ObservedDrive {
        if (holder == null) holder = "";
    }
}
