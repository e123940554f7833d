package org.vmrole.model.host;

import java.util.List;

/**
 * The controller's answer to a heartbeat when something changed: the host's full list of assignments and its version,
 * and the images the host should hold in its cache ahead of need, most wanted first.
 */
public record HostAssignments(long version, List<Assignment> assignments, List<WantedImage> images) {
    public HostAssignments {
        assignments = List.copyOf(assignments == null ? List.of() : assignments);
        images = List.copyOf(images == null ? List.of() : images);
    }

    /** Assignments with no image to warm. */
    public HostAssignments(long version, List<Assignment> assignments) {
        this(version, assignments, List.of());
    }
}
