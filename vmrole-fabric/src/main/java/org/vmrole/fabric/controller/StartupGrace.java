package org.vmrole.fabric.controller;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.model.host.ControllerStartup;

/**
 * The time a controller that has just started serving hosts (a restart, a replica taking over) gives the hosts it has not
 * heard yet, before their silence counts: it, not they, is the likely reason nothing was heard. A cold controller on a
 * busy machine takes seconds to answer its first joins, and declaring a host down restarts every VM it runs, which
 * kept running through the controller's absence. Kubernetes' node controller has the same rule
 * ({@code --node-startup-grace-period}).
 *
 * @param since  when hosts could first reach this controller
 * @param length how long a host not heard since then counts as heard
 */
record StartupGrace(long since, Duration length) {
    /** Kubernetes waits a minute; a fabric's hosts beat every second, so half of that is ample. Hosts count on it. */
    static final Duration DEFAULT = ControllerStartup.GRACE;

    /** {@code hosts} as the reconciler should judge them at {@code now}: a host not Down and unheard since {@link #since} counts as heard now while the grace lasts. */
    Map<String, Host> judge(Map<String, Host> hosts, long now) {
        if (now - since >= length.toMillis()) return hosts;
        Map<String, Host> graced = new HashMap<>(hosts);
        graced.replaceAll((name, h) -> h.status() != HostStatus.Down && h.lastHeartbeatMillis() <= since ? h.heardAt(now) : h);
        return graced;
    }
}
