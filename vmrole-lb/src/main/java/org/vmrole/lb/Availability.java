package org.vmrole.lb;

/** What the fabric controller knows about an instance, before the load balancer's own probe has a say. */
public enum Availability {
    /** {@code ReadyRole} and the guest agent reports {@code Ready}. */
    READY,
    /** The role reports {@code Busy}: out of rotation, unless it is the pool's only backend (as in Azure). */
    BUSY,
    /** Any other state: starting, stopping, unresponsive, gone. */
    UNAVAILABLE;

    /** Maps the controller's plain eligible flag (ReadyRole and agent Ready) to an availability. */
    public static Availability of(boolean eligible) {
        return eligible ? READY : UNAVAILABLE;
    }
}
