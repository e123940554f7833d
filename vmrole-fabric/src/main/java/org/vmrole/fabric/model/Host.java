package org.vmrole.fabric.model;

import org.vmrole.model.host.HostCapacity;

/**
 * A registered host: capacity, fault domain, status, the controller-clock time of its last heartbeat (kept in
 * memory and persisted only with status changes; after a controller restart every host gets a fresh grace period) and the
 * host:port of its private-network tunnel (null when it has none).
 */
public record Host(String name, HostCapacity capacity, int faultDomain, HostStatus status, long lastHeartbeatMillis, String networkAddress) {
    /** A host that carries no private networks. */
    public Host(String name, HostCapacity capacity, int faultDomain, HostStatus status, long lastHeartbeatMillis) {
        this(name, capacity, faultDomain, status, lastHeartbeatMillis, null);
    }

    public Host {
        requireValidName(name);
        if (capacity == null) throw new IllegalArgumentException("host '" + name + "' gives no capacity");
        if (faultDomain < 0 || faultDomain > 1023) throw new IllegalArgumentException("host '" + name + "': fault domain " + faultDomain + " must be between 0 and 1023");
    }

    /** Host names become store keys and appear in paths: non-empty, no '/'. */
    public static String requireValidName(String name) {
        if (name == null || name.isBlank() || name.contains("/")) throw new IllegalArgumentException("host name '" + name + "' must be non-empty and contain no '/'");
        return name;
    }

    public Host withStatus(HostStatus value) {
        return new Host(name, capacity, faultDomain, value, lastHeartbeatMillis, networkAddress);
    }

    public Host heardAt(long now) {
        return new Host(name, capacity, faultDomain, status, now, networkAddress);
    }

    public boolean takesNewInstances() {
        return status == HostStatus.Up;
    }
}
