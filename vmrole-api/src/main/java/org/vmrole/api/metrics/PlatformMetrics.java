package org.vmrole.api.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.reconcile.Action;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.model.RoleState;

/**
 * The platform's Prometheus metrics: instances by state, heal actions by kind, operation latency, host capacity and
 * heartbeat age, bytes uploaded. Gauges are read from the fabric controller when scraped, so they cost nothing between scrapes.
 */
public final class PlatformMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FabricController fabric;
    private final MultiGauge instances;
    private final MultiGauge hostCores;
    private final MultiGauge hostMemory;
    private final MultiGauge heartbeatAge;
    private final Counter uploadBytes;
    private final Set<String> timedOperations = new HashSet<>();
    private final java.util.concurrent.atomic.AtomicInteger leading = new java.util.concurrent.atomic.AtomicInteger();
    private final Timer reconcilePasses;

    public PlatformMetrics(FabricController fabric) {
        this.fabric = fabric;
        this.instances = MultiGauge.builder("vmrole_instances").description("role instances by state").register(registry);
        this.hostCores = MultiGauge.builder("vmrole_host_capacity_cores").description("cores a host offers").register(registry);
        this.hostMemory = MultiGauge.builder("vmrole_host_capacity_memory_mib").description("memory a host offers").register(registry);
        this.heartbeatAge = MultiGauge.builder("vmrole_host_heartbeat_age_seconds").description("time since a host's last heartbeat").register(registry);
        this.uploadBytes = Counter.builder("vmrole_image_upload_bytes").description("image bytes received").register(registry);
        io.micrometer.core.instrument.Gauge.builder("vmrole_controller_leader", leading, java.util.concurrent.atomic.AtomicInteger::get)
                .description("1 while this replica leads the controller (runs the reconciler), else 0").register(registry);
        this.reconcilePasses = Timer.builder("vmrole_reconcile_pass").description("one reconcile pass: deciding and persisting its outcome")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    /** This replica started ({@code true}) or stopped leading the controller. */
    public void leadership(boolean leads) {
        leading.set(leads ? 1 : 0);
        registry.counter("vmrole_controller_leader_changes", "to", leads ? "leader" : "follower").increment();
    }

    /** How long one reconcile pass of this replica took. */
    public void reconcilePass(java.time.Duration took) {
        reconcilePasses.record(took);
    }

    /** Counts what a reconcile pass decided: every instance action (start, reimage, relocate, back-off...) and host verdict. */
    public void reconciled(List<Action> actions) {
        for (Action a : actions) {
            registry.counter("vmrole_fabric_actions", "action", a.getClass().getSimpleName()).increment();
        }
    }

    public void uploaded(long bytes) {
        uploadBytes.increment(bytes);
    }

    public synchronized String scrape() {
        long now = System.currentTimeMillis();
        Map<RoleState, Integer> byState = new EnumMap<>(RoleState.class);
        for (RoleState s : RoleState.values()) byState.put(s, 0);
        for (Deployment d : fabric.listDeployments()) {
            for (InstanceView v : fabric.listInstances(d.id())) byState.merge(v.state(), 1, Integer::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byState.forEach((state, n) -> rows.add(MultiGauge.Row.of(Tags.of("state", state.name()), n)));
        instances.register(rows, true);
        List<Host> hosts = fabric.listHosts();
        hostCores.register(hosts.stream().map(h -> MultiGauge.Row.of(Tags.of("host", h.name(), "fault_domain", String.valueOf(h.faultDomain())),
                h.capacity().cores())).map(r -> (MultiGauge.Row<?>) r).toList(), true);
        hostMemory.register(hosts.stream().map(h -> MultiGauge.Row.of(Tags.of("host", h.name()), h.capacity().memoryMiB()))
                .map(r -> (MultiGauge.Row<?>) r).toList(), true);
        heartbeatAge.register(hosts.stream().map(h -> MultiGauge.Row.of(Tags.of("host", h.name(), "status", h.status().name()),
                Math.max(0, now - h.lastHeartbeatMillis()) / 1000.0)).map(r -> (MultiGauge.Row<?>) r).toList(), true);
        for (Operation op : fabric.listOperations()) {
            if (!op.inProgress() && timedOperations.add(op.id())) {
                Timer.builder("vmrole_operation_duration").tag("kind", op.kind().name()).tag("status", op.status().name())
                        .publishPercentiles(0.5, 0.99).register(registry)
                        .record(Duration.ofMillis(Math.max(0, op.finishedMillis() - op.startedMillis())));
            }
        }
        return registry.scrape();
    }
}
