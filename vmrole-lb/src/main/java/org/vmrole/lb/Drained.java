package org.vmrole.lb;

/**
 * A finished drain: the backend took no new connections, and {@code closedAtDeadline} connections were still
 * open when the drain period ended and were closed (0 when they all finished on their own).
 */
public record Drained(String backendId, int closedAtDeadline) {
}
