package org.vmrole.lb;

import java.util.Map;
import java.util.Objects;

/**
 * The VIP of one hosted service: which deployment's pools its production and staging listeners route to.
 * Both assignments live in one immutable value behind one volatile reference, so a swap moves every new
 * connection on every endpoint at once, while open connections stay on the pool they started on.
 */
public final class ServiceSlots {

    private record Placement(Map<String, BackendPool> production, Map<String, BackendPool> staging) {
        Map<String, BackendPool> of(Slot slot) {
            return slot == Slot.PRODUCTION ? production : staging;
        }

        Placement with(Slot slot, Map<String, BackendPool> pools) {
            return slot == Slot.PRODUCTION ? new Placement(pools, staging) : new Placement(production, pools);
        }
    }

    private final String service;
    private volatile Placement placement = new Placement(Map.of(), Map.of());

    public ServiceSlots(String service) {
        this.service = Objects.requireNonNull(service, "service name");
    }

    /** Puts a deployment's pools (by input endpoint name) in a slot, replacing what was there. */
    public synchronized void place(Slot slot, Map<String, BackendPool> poolsByEndpoint) {
        placement = placement.with(slot, Map.copyOf(poolsByEndpoint));
    }

    /** Empties a slot: its listeners refuse new connections until a deployment is placed again. */
    public synchronized void clear(Slot slot) {
        placement = placement.with(slot, Map.of());
    }

    /**
     * Exchanges production and staging for new connections. Both must expose the same input endpoints
     * (or one slot be empty), as in Azure.
     */
    public synchronized void swap() {
        Placement p = placement;
        if (!p.production.isEmpty() && !p.staging.isEmpty() && !p.production.keySet().equals(p.staging.keySet())) {
            throw new IllegalStateException("cannot swap service '" + service + "': production exposes endpoints "
                    + p.production.keySet() + " but staging exposes " + p.staging.keySet()
                    + "; deploy staging with the same input endpoints");
        }
        placement = new Placement(p.staging, p.production);
    }

    /** The pool a slot's endpoint routes to now, or null. */
    public BackendPool pool(Slot slot, String endpoint) {
        return placement.of(slot).get(endpoint);
    }

    /** A route for the listener of {@code endpoint} in {@code slot}; give it to {@link LoadBalancer#listen}. */
    public Route route(Slot slot, String endpoint) {
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(endpoint, "endpoint");
        return () -> placement.of(slot).get(endpoint);
    }
}
