package org.vmrole.server.traffic;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.api.traffic.PublicEndpoints;
import org.vmrole.api.traffic.PublicEndpoints.PublicEndpoint;
import org.vmrole.api.traffic.ServiceTraffic;
import org.vmrole.api.traffic.TrafficSpec;
import org.vmrole.model.InstanceName;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.lb.BackendPool;
import org.vmrole.lb.BackendStatus;
import org.vmrole.lb.Drained;
import org.vmrole.lb.EndpointSpec;
import org.vmrole.lb.InputEndpoint;
import org.vmrole.lb.LoadBalancer;
import org.vmrole.lb.ProbeSpec;
import org.vmrole.lb.Reachability;
import org.vmrole.lb.ServiceSlots;
import org.vmrole.lb.Slot;

/**
 * Keeps the load balancer in step with the fabric: every period it asks {@link TrafficPlan} what should change
 * and carries the steps out on the balancer. It holds the balancer's objects (pools, slots, listeners) and no
 * decision of its own.
 */
public final class TrafficSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrafficSync.class);
    static final Duration DRAIN = Duration.ofSeconds(10);

    private final LoadBalancer lb;
    private final Supplier<List<ServiceTraffic>> source;
    private final PublicEndpoints published;
    private final String listenHost;
    private final ScheduledExecutorService timer;
    // read by serving() from the controller's heartbeat thread while the sync thread changes them
    private final Map<String, Map<String, BackendPool>> pools = new ConcurrentHashMap<>();
    /** Drains not yet finished, by deployment id and backend id. */
    private final Map<String, CompletableFuture<Drained>> drains = new ConcurrentHashMap<>();
    private final Map<String, ServiceSlots> slots = new HashMap<>();
    private final Map<String, InputEndpoint> listeners = new HashMap<>();
    private TrafficPlan applied = TrafficPlan.EMPTY;

    /** {@code listenHost}: the address the service listeners bind (the server's --listen). */
    public TrafficSync(LoadBalancer lb, Supplier<List<ServiceTraffic>> source, PublicEndpoints published, String listenHost, Duration period) {
        this.lb = lb;
        // a host machine that vanished sends no refusal and stops heartbeating only seconds later: the balancer
        // itself notices its backends no longer answer connects, well within a second (Reachability.FAST)
        lb.checkReachability(Reachability.FAST);
        this.source = source;
        this.published = published;
        this.listenHost = listenHost;
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
        TrafficPlan.Transition t = TrafficPlan.next(applied, TrafficPlan.of(wanted));
        t.steps().forEach(this::apply);
        applied = t.applied();
    }

    private void apply(TrafficStep step) {
        switch (step) {
            case TrafficStep.OpenPool s -> pools.computeIfAbsent(s.deploymentId(), d -> new ConcurrentHashMap<>())
                    .put(s.rule().key(), lb.newPool(s.deploymentId() + "/" + s.rule().key(), probe(s.rule())));
            // planned or not, an instance leaving its pool keeps its open connections for the drain period
            case TrafficStep.Drain s -> {
                String key = s.deploymentId() + "\n" + s.backendId();
                CompletableFuture<Drained> drained = pools.get(s.deploymentId()).get(s.key()).drain(s.backendId(), DRAIN);
                drains.put(key, drained);
                drained.whenComplete((d, e) -> drains.remove(key, drained));
            }
            case TrafficStep.SetBackends s -> pools.get(s.deploymentId()).get(s.key()).setBackends(s.backends());
            case TrafficStep.Swap s -> {
                slotsOf(s.service()).swap();
                log.info("{}: production and staging swapped at the load balancer", s.service());
            }
            case TrafficStep.Place s -> {
                if (s.deploymentId() == null) slotsOf(s.service()).clear(s.slot());
                else slotsOf(s.service()).place(s.slot(), pools.getOrDefault(s.deploymentId(), Map.of()));
            }
            case TrafficStep.Listen s -> listeners.put(listenerKey(s.service(), s.slot(), s.rule().key()), open(s.service(), s.slot(), s.rule()));
            case TrafficStep.Publish s -> publish(s);
            case TrafficStep.CloseService s -> {
                slots.remove(s.service());
                listeners.entrySet().removeIf(e -> {
                    if (!e.getKey().startsWith(s.service() + "\n")) return false;
                    e.getValue().close();
                    return true;
                });
            }
            case TrafficStep.ClosePools s -> {
                Map<String, BackendPool> gone = pools.remove(s.deploymentId());
                if (gone != null) gone.values().forEach(BackendPool::close);
                published.remove(s.deploymentId());
            }
        }
    }

    /**
     * True while the balancer sends new connections to the copy of {@code instance} whose endpoints are published at
     * {@code hostAddress} on {@code endpoints}' host ports, or drains the connections it still has: until then the host
     * must not stop or reimage that VM. (Two hosts on one machine share an address; the ports tell their copies apart.)
     */
    public boolean serving(String deploymentId, InstanceName instance, String hostAddress, List<EndpointBinding> endpoints) {
        Set<String> ids = new HashSet<>();
        for (EndpointBinding e : endpoints) ids.add(TrafficPlan.backendId(instance, hostAddress, e.hostPort()));
        for (BackendPool pool : pools.getOrDefault(deploymentId, Map.of()).values()) {
            for (BackendStatus s : pool.status()) {
                if (ids.contains(s.id()) && (s.inRotation() || s.draining())) return true;
            }
        }
        for (String id : ids) {
            if (drains.containsKey(deploymentId + "\n" + id)) return true;
        }
        return false;
    }

    private ServiceSlots slotsOf(String service) {
        return slots.computeIfAbsent(service, ServiceSlots::new);
    }

    private static String listenerKey(String service, Slot slot, String endpointKey) {
        return service + "\n" + slot + "\n" + endpointKey;
    }

    private void publish(TrafficStep.Publish s) {
        List<PublicEndpoint> out = new ArrayList<>();
        Map<String, BackendPool> deploymentPools = pools.getOrDefault(s.deploymentId(), Map.of());
        for (TrafficSpec.Rule rule : s.rules()) {
            InputEndpoint listener = listeners.get(listenerKey(s.service(), s.slot(), rule.key()));
            BackendPool pool = deploymentPools.get(rule.key());
            out.add(new PublicEndpoint(rule.role(), rule.endpoint(), rule.protocol(),
                    listenHost + ":" + listener.port(), pool == null ? List.of() : pool.inRotation()));
        }
        published.set(s.deploymentId(), out);
    }

    /** Production listens on the definition's port when it is free, staging (and a taken port) on an assigned one. */
    private InputEndpoint open(String service, Slot slot, TrafficSpec.Rule rule) {
        EndpointSpec spec = "http".equals(rule.protocol()) ? EndpointSpec.http(rule.endpoint(), 0) : EndpointSpec.tcp(rule.endpoint(), 0);
        if (slot == Slot.PRODUCTION) {
            try {
                return lb.listen(spec.withBind(new InetSocketAddress(listenHost, rule.port())), slotsOf(service).route(slot, rule.key()));
            } catch (RuntimeException taken) {
                log.info("{}: port {} for {} is taken on {}; listening on an assigned port instead", service, rule.port(), rule.key(), listenHost);
            }
        }
        return lb.listen(spec.withBind(new InetSocketAddress(listenHost, 0)), slotsOf(service).route(slot, rule.key()));
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
        listeners.values().forEach(InputEndpoint::close);
        pools.values().forEach(p -> p.values().forEach(BackendPool::close));
    }
}
