package org.vmrole.lb;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One instance behind a pool, as the controller describes it.
 *
 * @param id           the role instance name, e.g. {@code WebVM_IN_0}; unique within a pool
 * @param address      where the instance's endpoint is reachable (e.g. a QEMU hostfwd port on 127.0.0.1)
 * @param availability what the controller observes; the probe decides the rest
 */
public record Backend(String id, InetSocketAddress address, Availability availability) {

    public Backend {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("backend id is empty: give the role instance name, e.g. WebVM_IN_0");
        }
        Objects.requireNonNull(address, () -> "backend '" + id + "' has no address: give host and port");
        Objects.requireNonNull(availability, () -> "backend '" + id + "' has no availability");
    }

    /** A backend the controller holds eligible (ReadyRole + agent Ready) or not. */
    public static Backend of(String id, InetSocketAddress address, boolean eligible) {
        return new Backend(id, address, Availability.of(eligible));
    }

    public static Backend ready(String id, InetSocketAddress address) {
        return new Backend(id, address, Availability.READY);
    }

    public static Backend busy(String id, InetSocketAddress address) {
        return new Backend(id, address, Availability.BUSY);
    }
}
