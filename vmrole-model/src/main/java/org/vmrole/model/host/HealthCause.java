package org.vmrole.model.host;

/** Why a host says an instance changed state; the controller's healing policy keys on it. */
public enum HealthCause {
    NONE, STARTED, START_FAILED, PROCESS_EXITED, GUEST_SHUTDOWN, GUEST_PANICKED, GUEST_RESET,
    AGENT_HELLO, AGENT_READY, AGENT_BUSY, AGENT_SILENT, STOPPED_BY_REQUEST, FENCED,
    /** No agent ever said hello; the endpoint's load-balancer probe passes (ReadyRole) or keeps failing (UnresponsiveRole). */
    PROBE_PASSING, PROBE_FAILING
}
