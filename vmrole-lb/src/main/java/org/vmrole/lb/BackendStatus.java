package org.vmrole.lb;

import java.net.InetSocketAddress;

/** A snapshot of one backend for {@code status}: what the controller said, what the probe says, and the outcome. */
public record BackendStatus(String id, InetSocketAddress address, Availability availability, ProbeHealth probe,
                            boolean draining, boolean inRotation, int openConnections) {
}
