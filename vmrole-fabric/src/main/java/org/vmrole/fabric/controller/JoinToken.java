package org.vmrole.fabric.controller;

/** A join token as stored: only its SHA-256, never the token itself. */
record JoinToken(String hostName, String sha256, long issuedAtMillis) {
}
