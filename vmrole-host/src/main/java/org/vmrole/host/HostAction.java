package org.vmrole.host;

/** One thing the host agent does to make its VMs match its assignments. */
public record HostAction(Kind kind, String key) {
    /** What is done to the instance. */
    public enum Kind { START, REIMAGE, REBOOT, CHANGE_SETTINGS, STOP }
}
