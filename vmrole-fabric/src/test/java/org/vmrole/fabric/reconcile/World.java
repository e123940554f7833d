package org.vmrole.fabric.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.ObservedInstance;

/** Desired and observed state for reconciler tests, with a fake clock, applying actions the way the controller does. */
final class World {
    static final HealingPolicy POLICY = new HealingPolicy(Duration.ofSeconds(3), Duration.ofMinutes(5),
            Duration.ofSeconds(1), Duration.ofSeconds(60), 3, Duration.ofMinutes(1));

    final Map<String, Deployment> deployments = new HashMap<>();
    final Map<String, RoleInstance> instances = new HashMap<>();
    final Map<String, Host> hosts = new HashMap<>();
    final Map<String, Operation> operations = new HashMap<>();
    final Map<String, Map<String, ObservedInstance>> observed = new HashMap<>();
    final Reconciler reconciler = new Reconciler(POLICY);
    long now = 1_000_000;

    World host(String name, int faultDomain, int cores) {
        hosts.put(name, new Host(name, new HostCapacity(cores, cores * 4096, cores * 500), faultDomain, HostStatus.Up, now));
        observed.put(name, new HashMap<>());
        return this;
    }

    World deployment(String id, int instances, VmSize size) {
        deployments.put(id, new Deployment(id, "svc-" + id, "production", 5,
                List.of(new RoleSpec("Web", size, instances, "sha256:abc", Map.of(), List.of(), List.of())), false));
        return this;
    }

    DesiredState desired() {
        return new DesiredState(deployments, instances, hosts, operations);
    }

    List<Action> pass() {
        List<Action> actions = reconciler.reconcile(desired(), new ObservedState(observed), now);
        apply(actions);
        return actions;
    }

    void apply(List<Action> actions) {
        for (Action a : actions) {
            switch (a) {
                case RemoveInstance r -> instances.remove(r.instance().key());
                case InstanceAction ia -> instances.put(ia.instance().key(), ia.instance());
                case MarkHostDown m -> hosts.put(m.host().name(), m.host());
                case MarkHostUp m -> hosts.put(m.host().name(), m.host());
                case RemoveDeployment r -> deployments.remove(r.deploymentId());
                case UpdateDeployment u -> deployments.put(u.deployment().id(), u.deployment());
                case UpdateOperation u -> operations.put(u.operation().id(), u.operation());
            }
        }
    }

    /** Every host beats now and runs exactly what it is assigned (handover copies too), in the given state. */
    void hostsRunAssigned(RoleState state) {
        for (Host h : hosts.values()) {
            if (h.status() == HostStatus.Down) continue;
            hosts.put(h.name(), h.heardAt(now));
            Map<String, ObservedInstance> onHost = new HashMap<>();
            for (RoleInstance ri : instances.values()) {
                if (ri.retiring()) continue;
                RoleInstance here = h.name().equals(ri.host()) ? ri : ri.handover() != null && h.name().equals(ri.handover().host()) ? ri.handoverCopy() : null;
                if (here != null) {
                    onHost.put(ri.key(), new ObservedInstance(ri.key(), here.incarnation(), here.rebootGeneration(), state, HealthCause.AGENT_READY, "", now));
                }
            }
            observed.put(h.name(), onHost);
        }
    }

    void report(RoleInstance ri, RoleState state, HealthCause cause) {
        observed.get(ri.host()).put(ri.key(), new ObservedInstance(ri.key(), ri.incarnation(), ri.rebootGeneration(), state, cause, "", now));
    }

    void beat(String host) {
        hosts.put(host, hosts.get(host).heardAt(now));
    }

    void advance(Duration d) {
        now += d.toMillis();
    }

    RoleInstance instance(String key) {
        return instances.get(key);
    }

    static <T> List<T> ofType(List<Action> actions, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Action a : actions) if (type.isInstance(a)) out.add(type.cast(a));
        return out;
    }
}
