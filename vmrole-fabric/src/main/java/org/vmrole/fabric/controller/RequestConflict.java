package org.vmrole.fabric.controller;

/** A request clashes with the current state, e.g. a deployment id already in use or a deployment being deleted. */
public final class RequestConflict extends RuntimeException {
    public RequestConflict(String message) {
        super(message);
    }
}
