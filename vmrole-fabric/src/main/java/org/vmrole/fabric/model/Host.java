package org.vmrole.fabric.model;

import org.vmrole.model.host.HostCapacity;

/**
 * A registered host: capacity, fault domain, status, the controller-clock time of its last heartbeat (kept in
 * memory and persisted only with status changes; after a controller restart every host gets a fresh grace period) and the
 * host:port of its private-network tunnel (null when it has none) and the IPv4 address its instances' endpoints are
 * published on (null: 127.0.0.1, a host on the controller's machine).
 */
public record Host(String name, HostCapacity capacity, int faultDomain, HostStatus status, long lastHeartbeatMillis, String networkAddress,
                   String address) {
    /** Where a host that names no address publishes its instances' endpoints: the controller's own loopback. */
    public static final String LOOPBACK = "127.0.0.1";

    /** A host on the controller's machine that carries no private networks. */
    public Host(String name, HostCapacity capacity, int faultDomain, HostStatus status, long lastHeartbeatMillis) {
        this(name, capacity, faultDomain, status, lastHeartbeatMillis, null, null);
    }

    public Host {
        requireValidName(name);
        if (capacity == null) throw new IllegalArgumentException("host '" + name + "' gives no capacity");
        if (faultDomain < 0 || faultDomain > 1023) throw new IllegalArgumentException("host '" + name + "': fault domain " + faultDomain + " must be between 0 and 1023");
        if (address != null) requireValidAddress(name, address);
    }

    /** An endpoint address is a dialable IPv4 literal: not a name (no lookup on the traffic path), not a wildcard. */
    public static String requireValidAddress(String name, String address) {
        String[] parts = address.split("\\.", -1);
        boolean ok = parts.length == 4;
        for (int i = 0; ok && i < 4; i++) {
            ok = !parts[i].isEmpty() && parts[i].length() <= 3 && parts[i].chars().allMatch(Character::isDigit) && Integer.parseInt(parts[i]) <= 255;
        }
        if (!ok) throw new IllegalArgumentException("host '" + name + "': address '" + address + "' is not an IPv4 address such as 10.0.0.5");
        if (address.equals("0.0.0.0")) {
            throw new IllegalArgumentException("host '" + name + "': address 0.0.0.0 is a wildcard that nobody can connect to;"
                    + " give the address of this machine that the controller and the load balancer reach it on");
        }
        return address;
    }

    /** The address the load balancer dials for this host's instances. */
    public String endpointAddress() {
        return address == null ? LOOPBACK : address;
    }

    /** Host names become store keys and appear in paths: non-empty, no '/'. */
    public static String requireValidName(String name) {
        if (name == null || name.isBlank() || name.contains("/")) throw new IllegalArgumentException("host name '" + name + "' must be non-empty and contain no '/'");
        return name;
    }

    public Host withStatus(HostStatus value) {
        return new Host(name, capacity, faultDomain, value, lastHeartbeatMillis, networkAddress, address);
    }

    public Host heardAt(long now) {
        return new Host(name, capacity, faultDomain, status, now, networkAddress, address);
    }

    public boolean takesNewInstances() {
        return status == HostStatus.Up;
    }
}
