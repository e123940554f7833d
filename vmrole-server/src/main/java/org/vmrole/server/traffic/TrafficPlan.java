package org.vmrole.server.traffic;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.vmrole.api.traffic.ServiceTraffic;
import org.vmrole.api.traffic.ServiceTraffic.SlotTraffic;
import org.vmrole.api.traffic.TrafficInstance;
import org.vmrole.api.traffic.TrafficSpec;
import org.vmrole.lb.Availability;
import org.vmrole.lb.Backend;
import org.vmrole.model.InstanceName;
import org.vmrole.lb.Slot;
import org.vmrole.model.host.EndpointBinding;

/**
 * What the load balancer should hold, derived from fabric records by pure functions: a pool per deployment endpoint
 * with the instances it balances over, which deployment each service slot routes to, and the listeners each slot has
 * opened. {@link #next} compares it with what was applied and lists the steps between them, as the reconciler
 * does for the fabric; {@link TrafficSync} only carries them out.
 */
record TrafficPlan(Map<String, Map<String, Pool>> pools, Map<String, Routing> services) {

    /** One endpoint's pool: the rule it serves and the backends in it. */
    record Pool(TrafficSpec.Rule rule, List<Backend> backends) {
        Pool {
            backends = List.copyOf(backends);
        }

        Set<String> ids() {
            Set<String> ids = new LinkedHashSet<>();
            backends.forEach(b -> ids.add(b.id()));
            return ids;
        }
    }

    /** A service's slots: the deployment each routes to (absent: none) and the endpoint keys with a listener. */
    record Routing(Map<Slot, String> slots, Map<Slot, List<TrafficSpec.Rule>> rules, Map<Slot, Set<String>> listening) {
        Routing {
            slots = Map.copyOf(slots);
            rules = Map.copyOf(rules);
            listening = Map.copyOf(listening);
        }

        String in(Slot slot) {
            return slots.get(slot);
        }
    }

    /** The steps that take the balancer from {@code applied} to {@code wanted}, and the plan it holds afterwards. */
    record Transition(List<TrafficStep> steps, TrafficPlan applied) {}

    TrafficPlan {
        pools = Map.copyOf(pools);
        services = Map.copyOf(services);
    }

    static final TrafficPlan EMPTY = new TrafficPlan(Map.of(), Map.of());

    /** The balancer's desired state for these services. Listeners are those the slots' current deployments need. */
    static TrafficPlan of(List<ServiceTraffic> wanted) {
        Map<String, Map<String, Pool>> pools = new LinkedHashMap<>();
        Map<String, Routing> services = new LinkedHashMap<>();
        for (ServiceTraffic st : wanted) {
            Map<Slot, String> slots = new EnumMap<>(Slot.class);
            Map<Slot, List<TrafficSpec.Rule>> rules = new EnumMap<>(Slot.class);
            Map<Slot, Set<String>> listening = new EnumMap<>(Slot.class);
            st.slots().forEach((name, traffic) -> {
                Slot slot = slot(name);
                slots.put(slot, traffic.deploymentId());
                rules.put(slot, traffic.spec().inputs());
                listening.put(slot, Set.copyOf(traffic.spec().inputs().stream().map(TrafficSpec.Rule::key).toList()));
                pools.put(traffic.deploymentId(), poolsOf(traffic));
            });
            services.put(st.service(), new Routing(slots, rules, listening));
        }
        return new TrafficPlan(pools, services);
    }

    private static Map<String, Pool> poolsOf(SlotTraffic traffic) {
        Map<String, Pool> out = new LinkedHashMap<>();
        for (TrafficSpec.Rule rule : traffic.spec().inputs()) {
            List<Backend> backends = new ArrayList<>();
            for (TrafficInstance i : traffic.instances()) {
                if (!i.name().role().equals(rule.role())) continue;
                Availability a = switch (i.state()) {
                    case ReadyRole -> Availability.READY;
                    case BusyRole -> Availability.BUSY;
                    default -> Availability.UNAVAILABLE;
                };
                int port = i.endpoints().stream().filter(e -> e.name().equals(rule.endpoint())).mapToInt(EndpointBinding::hostPort).findFirst().orElse(0);
                if (port == 0 || a == Availability.UNAVAILABLE) continue;
                // an address literal, so no lookup; the id names address and port: an instance back elsewhere is a new
                // backend, and the two copies of an instance moving make-before-break are two backends
                backends.add(new Backend(backendId(i.name(), i.address(), port), new InetSocketAddress(i.address(), port), a));
            }
            out.put(rule.key(), new Pool(rule, backends));
        }
        return out;
    }

    /** The balancer's id for one copy of an instance: its name, address and host port. */
    static String backendId(InstanceName instance, String address, int port) {
        return instance + "@" + address + ":" + port;
    }

    private static Slot slot(String name) {
        return switch (name) {
            case "production" -> Slot.PRODUCTION;
            case "staging" -> Slot.STAGING;
            default -> throw new IllegalArgumentException("slot '" + name + "' is neither production nor staging");
        };
    }

    /**
     * Compares the applied plan with the wanted one. Pools come first (a deployment placed in a slot has its pools),
     * an instance leaving a pool is drained rather than cut, a slot exchange is one swap (both slots move at once),
     * listeners open once and stay while their service lives, and what is gone closes last.
     */
    static Transition next(TrafficPlan applied, TrafficPlan wanted) {
        List<TrafficStep> steps = new ArrayList<>();
        wanted.pools.forEach((deployment, byKey) -> {
            Map<String, Pool> before = applied.pools.getOrDefault(deployment, Map.of());
            byKey.forEach((key, pool) -> {
                Pool old = before.get(key);
                if (old == null) steps.add(new TrafficStep.OpenPool(deployment, pool.rule()));
                Set<String> now = pool.ids();
                if (old != null) old.ids().stream().filter(id -> !now.contains(id)).forEach(id -> steps.add(new TrafficStep.Drain(deployment, key, id)));
                if (old == null || !old.backends().equals(pool.backends())) steps.add(new TrafficStep.SetBackends(deployment, key, pool.backends()));
            });
        });
        Map<String, Routing> held = new LinkedHashMap<>();
        wanted.services.forEach((service, routing) -> {
            Routing before = applied.services.getOrDefault(service, new Routing(Map.of(), Map.of(), Map.of()));
            route(service, before, routing, steps);
            Map<Slot, Set<String>> listening = new EnumMap<>(Slot.class);
            for (Slot slot : Slot.values()) {
                Set<String> open = new LinkedHashSet<>(before.listening().getOrDefault(slot, Set.of()));
                for (TrafficSpec.Rule rule : routing.rules().getOrDefault(slot, List.of())) {
                    if (open.add(rule.key())) steps.add(new TrafficStep.Listen(service, slot, rule));
                }
                if (!open.isEmpty()) listening.put(slot, open);
                String deployment = routing.in(slot);
                if (deployment != null) steps.add(new TrafficStep.Publish(service, slot, deployment, routing.rules().get(slot)));
            }
            held.put(service, new Routing(routing.slots(), routing.rules(), listening));
        });
        applied.services.keySet().stream().filter(s -> !wanted.services.containsKey(s)).forEach(s -> steps.add(new TrafficStep.CloseService(s)));
        applied.pools.keySet().stream().filter(d -> !wanted.pools.containsKey(d)).forEach(d -> steps.add(new TrafficStep.ClosePools(d)));
        return new Transition(steps, new TrafficPlan(wanted.pools, held));
    }

    private static void route(String service, Routing before, Routing wanted, List<TrafficStep> steps) {
        String prod = wanted.in(Slot.PRODUCTION);
        String staging = wanted.in(Slot.STAGING);
        if (prod != null && staging != null && prod.equals(before.in(Slot.STAGING)) && staging.equals(before.in(Slot.PRODUCTION))) {
            steps.add(new TrafficStep.Swap(service));
            return;
        }
        for (Slot slot : Slot.values()) {
            if (!Objects.equals(before.in(slot), wanted.in(slot))) steps.add(new TrafficStep.Place(service, slot, wanted.in(slot)));
        }
    }
}
