package org.vmrole.fabric.controller;

import java.util.Optional;

/** A host spoke to a replica that does not lead the controller: hosts are served by the leader, whose heartbeats count. */
public final class NotLeader extends RuntimeException {
    private final String leader;

    public NotLeader(String leader) {
        super("this replica does not lead the controller; " + (leader == null ? "no replica leads right now (one is elected within seconds)"
                : "the leader is " + leader) + ": hosts beat to the leader");
        this.leader = leader;
    }

    /** The leader's API address (host:port), when one leads. */
    public Optional<String> leader() {
        return Optional.ofNullable(leader);
    }
}
