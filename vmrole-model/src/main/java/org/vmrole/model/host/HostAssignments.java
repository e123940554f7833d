package org.vmrole.model.host;

import java.util.List;

/** The controller's answer to a heartbeat when something changed: the host's full list of assignments and its version. */
public record HostAssignments(long version, List<Assignment> assignments) {
    public HostAssignments {
        assignments = List.copyOf(assignments == null ? List.of() : assignments);
    }
}
