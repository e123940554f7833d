package org.vmrole.fabric.controller;

import java.util.List;
import org.vmrole.model.host.Assignment;

/** Everything one host should run, and the version to send back with the next heartbeat. */
public record AssignmentSet(long version, List<Assignment> assignments) {
    public AssignmentSet {
        assignments = List.copyOf(assignments);
    }
}
