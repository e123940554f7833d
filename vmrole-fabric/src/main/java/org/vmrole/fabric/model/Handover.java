package org.vmrole.fabric.model;

/**
 * The old copy of an instance that moves make-before-break: it keeps running (and serving) on {@code host} with its
 * own incarnation until the new copy is ready; then it is released ({@code releasedAtMillis > 0}): out of the load
 * balancer's rotation at once, and stopped once its connections had time to drain.
 */
public record Handover(String host, int faultDomain, long incarnation, long rebootGeneration, long releasedAtMillis) {

    /** The instance as it runs now, about to hand over to a copy elsewhere. */
    public static Handover from(RoleInstance ri) {
        return new Handover(ri.host(), ri.faultDomain(), ri.incarnation(), ri.rebootGeneration(), 0);
    }

    public boolean released() {
        return releasedAtMillis > 0;
    }

    public Handover releasedAt(long now) {
        return new Handover(host, faultDomain, incarnation, rebootGeneration, now);
    }
}
