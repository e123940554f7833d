package org.vmrole.server.traffic;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.api.services.DeploymentView.InstanceStatus;
import org.vmrole.api.traffic.PublicEndpoints;
import org.vmrole.api.traffic.PublicEndpoints.PublicEndpoint;
import org.vmrole.api.traffic.ServiceTraffic;
import org.vmrole.api.traffic.ServiceTraffic.SlotTraffic;
import org.vmrole.api.traffic.TrafficSpec;
import org.vmrole.lb.Availability;
import org.vmrole.lb.Backend;
import org.vmrole.lb.BackendPool;
import org.vmrole.lb.EndpointSpec;
import org.vmrole.lb.InputEndpoint;
import org.vmrole.lb.LoadBalancer;
import org.vmrole.lb.ProbeSpec;
import org.vmrole.lb.ServiceSlots;
import org.vmrole.lb.Slot;
import org.vmrole.model.host.EndpointBinding;

/**
 * Keeps the load balancer in step with the fabric: one pool per deployment endpoint holding its instances, one
 * listener per service slot and endpoint, a swap when production and staging trade places. An instance that
 * stops being ready is drained (open connections finish) before it leaves its pool.
 */
public final class TrafficSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrafficSync.class);
    static final Duration DRAIN = Duration.ofSeconds(10);

    private final LoadBalancer lb;
    private final Supplier<List<ServiceTraffic>> source;
    private final PublicEndpoints published;
    private final ScheduledExecutorService timer;
    private final Map<String, ServiceState> services = new HashMap<>();
    private final Map<String, DeploymentPools> pools = new HashMap<>();

    /** A deployment's pools by endpoint key, and which backends each pool listed at the last pass. */
    private record DeploymentPools(Map<String, BackendPool> byKey, Map<String, Set<String>> listed) {}

    /** A service's slots at the load balancer: which deployment each slot routes to, and its listeners. */
    private static final class ServiceState {
        final ServiceSlots slots;
        final Map<Slot, String> applied = new HashMap<>();
        final Map<String, InputEndpoint> listeners = new HashMap<>();

        ServiceState(String name) {
            this.slots = new ServiceSlots(name);
        }
    }

    public TrafficSync(LoadBalancer lb, Supplier<List<ServiceTraffic>> source, PublicEndpoints published, Duration period) {
        this.lb = lb;
        this.source = source;
        this.published = published;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("traffic-sync").factory());
        timer.scheduleWithFixedDelay(this::syncSafely, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void syncSafely() {
        try {
            sync(source.get());
        } catch (RuntimeException e) {
            log.error("traffic sync failed: {}", e.getMessage(), e);
        }
    }

    synchronized void sync(List<ServiceTraffic> wanted) {
        Set<String> liveDeployments = new HashSet<>();
        Set<String> liveServices = new HashSet<>();
        for (ServiceTraffic st : wanted) {
            liveServices.add(st.service());
            ServiceState state = services.computeIfAbsent(st.service(), ServiceState::new);
            for (SlotTraffic slot : st.slots().values()) {
                liveDeployments.add(slot.deploymentId());
                updatePools(slot);
            }
            route(st, state);
        }
        for (String gone : new ArrayList<>(services.keySet())) {
            if (!liveServices.contains(gone)) {
                ServiceState s = services.remove(gone);
                s.listeners.values().forEach(InputEndpoint::close);
            }
        }
        for (String gone : new ArrayList<>(pools.keySet())) {
            if (!liveDeployments.contains(gone)) {
                pools.remove(gone).byKey().values().forEach(BackendPool::close);
                published.remove(gone);
            }
        }
    }

    private void updatePools(SlotTraffic slot) {
        DeploymentPools dp = pools.computeIfAbsent(slot.deploymentId(), id -> new DeploymentPools(new HashMap<>(), new HashMap<>()));
        for (TrafficSpec.Rule rule : slot.spec().inputs()) {
            BackendPool pool = dp.byKey().computeIfAbsent(rule.key(), k -> lb.newPool(slot.deploymentId() + "/" + k, probe(rule)));
            List<Backend> backends = new ArrayList<>();
            Set<String> listedNow = new HashSet<>();
            for (InstanceStatus i : slot.instances()) {
                if (!i.instance().startsWith(rule.role() + "_IN_")) continue;
                Integer port = i.endpoints().stream().filter(e -> e.name().equals(rule.endpoint())).map(EndpointBinding::hostPort).findFirst().orElse(null);
                Availability a = switch (i.state()) {
                    case "ReadyRole" -> Availability.READY;
                    case "BusyRole" -> Availability.BUSY;
                    default -> Availability.UNAVAILABLE;
                };
                if (port == null || port == 0 || a == Availability.UNAVAILABLE) continue;
                listedNow.add(i.instance() + "@" + port);
                backends.add(new Backend(i.instance() + "@" + port, new InetSocketAddress("127.0.0.1", port), a));
            }
            Set<String> before = dp.listed().getOrDefault(rule.key(), Set.of());
            for (String id : before) {
                // planned or not, an instance leaving its pool keeps its open connections for the drain period
                if (!listedNow.contains(id)) pool.drain(id, DRAIN);
            }
            dp.listed().put(rule.key(), listedNow);
            pool.setBackends(backends);
        }
    }

    private void route(ServiceTraffic st, ServiceState state) {
        String prodWanted = deploymentIn(st, "production");
        String stagingWanted = deploymentIn(st, "staging");
        String prodApplied = state.applied.get(Slot.PRODUCTION);
        String stagingApplied = state.applied.get(Slot.STAGING);
        if (prodWanted != null && stagingWanted != null && prodWanted.equals(stagingApplied) && stagingWanted.equals(prodApplied)) {
            state.slots.swap();
            state.applied.put(Slot.PRODUCTION, prodWanted);
            state.applied.put(Slot.STAGING, stagingWanted);
            log.info("{}: production and staging swapped at the load balancer ({} is production)", st.service(), prodWanted);
        } else {
            place(state, Slot.PRODUCTION, prodWanted);
            place(state, Slot.STAGING, stagingWanted);
        }
        listen(st, state, Slot.PRODUCTION, prodWanted);
        listen(st, state, Slot.STAGING, stagingWanted);
    }

    private void place(ServiceState state, Slot slot, String deploymentId) {
        if (Objects.equals(state.applied.get(slot), deploymentId)) return;
        if (deploymentId == null) {
            state.slots.clear(slot);
            state.applied.remove(slot);
        } else {
            state.slots.place(slot, pools.get(deploymentId).byKey());
            state.applied.put(slot, deploymentId);
        }
    }

    /** Opens the slot's listeners once: production on the definition's port when it is free, staging on assigned ports. */
    private void listen(ServiceTraffic st, ServiceState state, Slot slot, String deploymentId) {
        if (deploymentId == null) return;
        SlotTraffic traffic = st.slots().values().stream().filter(s -> s.deploymentId().equals(deploymentId)).findFirst().orElseThrow();
        List<PublicEndpoint> out = new ArrayList<>();
        for (TrafficSpec.Rule rule : traffic.spec().inputs()) {
            String key = slot.name() + "/" + rule.key();
            InputEndpoint listener = state.listeners.computeIfAbsent(key, k -> open(st.service(), slot, rule, state));
            BackendPool pool = pools.get(deploymentId).byKey().get(rule.key());
            out.add(new PublicEndpoint(rule.role(), rule.endpoint(), rule.protocol(),
                    "127.0.0.1:" + listener.port(), pool == null ? List.of() : pool.inRotation()));
        }
        published.set(deploymentId, out);
    }

    private InputEndpoint open(String service, Slot slot, TrafficSpec.Rule rule, ServiceState state) {
        EndpointSpec spec = "http".equals(rule.protocol()) ? EndpointSpec.http(rule.endpoint(), 0) : EndpointSpec.tcp(rule.endpoint(), 0);
        if (slot == Slot.PRODUCTION) {
            try {
                return lb.listen(spec.withBind(new InetSocketAddress(EndpointSpec.DEFAULT_HOST, rule.port())), state.slots.route(slot, rule.key()));
            } catch (RuntimeException taken) {
                log.info("{}: port {} for {} is taken on 127.0.0.1; listening on an assigned port instead", service, rule.port(), rule.key());
            }
        }
        return lb.listen(spec, state.slots.route(slot, rule.key()));
    }

    private static String deploymentIn(ServiceTraffic st, String slot) {
        SlotTraffic s = st.slots().get(slot);
        return s == null ? null : s.deploymentId();
    }

    private static ProbeSpec probe(TrafficSpec.Rule rule) {
        if (rule.probeProtocol() == null) return ProbeSpec.tcp();
        ProbeSpec.Kind kind = "http".equals(rule.probeProtocol()) ? ProbeSpec.Kind.HTTP : ProbeSpec.Kind.TCP;
        return ProbeSpec.fromDefinition(kind, rule.probePath() == null || rule.probePath().isEmpty() ? "/" : rule.probePath(),
                rule.probeIntervalSeconds(), rule.probeTimeoutSeconds());
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        services.values().forEach(s -> s.listeners.values().forEach(InputEndpoint::close));
        pools.values().forEach(p -> p.byKey().values().forEach(BackendPool::close));
    }
}
