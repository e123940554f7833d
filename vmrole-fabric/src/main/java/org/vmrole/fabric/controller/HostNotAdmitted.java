package org.vmrole.fabric.controller;

/** A host without a valid join token (unknown, revoked, or wrong token) tried to register or read its assignments. */
public final class HostNotAdmitted extends RuntimeException {
    public HostNotAdmitted(String message) {
        super(message);
    }
}
