package org.vmrole.fabric.controller;

/** A request named a deployment, role, instance or operation the fabric does not have. */
public final class NoSuchTarget extends RuntimeException {
    public NoSuchTarget(String message) {
        super(message);
    }
}
