package org.vmrole.lb;

/** What the load balancer's own probe says of a backend. */
public enum ProbeHealth {
    /** Not probed yet: a new backend waits for its first passing probe before it takes traffic. */
    UNKNOWN,
    HEALTHY,
    /** Failed the threshold of consecutive probes, or refused a connection. */
    FAILING
}
