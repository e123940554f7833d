package org.vmrole.host;

/** Something a driver noticed about a VM: its process, QMP events and the guest agent. */
public enum VmSignal {
    LAUNCHED, START_FAILED, AGENT_HELLO, AGENT_READY, AGENT_BUSY, AGENT_SILENT,
    GUEST_RESET, GUEST_PANICKED, GUEST_SHUTDOWN, STOP_REQUESTED, PROCESS_EXITED,
    /** The role's input endpoint answers its load-balancer probe / keeps failing it (used only while no agent spoke). */
    PROBE_PASSED, PROBE_FAILED
}
