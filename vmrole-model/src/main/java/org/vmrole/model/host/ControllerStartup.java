package org.vmrole.model.host;

import java.time.Duration;

/** What a controller that starts serving hosts promises them, and what they count on while it is away. */
public final class ControllerStartup {
    /**
     * How long a controller that starts serving hosts (a restart, a replica taking over) waits before it judges a host it
     * has not heard yet as down. A host that found no controller running knows that none can judge it for this long.
     */
    public static final Duration GRACE = Duration.ofSeconds(30);

    private ControllerStartup() {
    }
}
