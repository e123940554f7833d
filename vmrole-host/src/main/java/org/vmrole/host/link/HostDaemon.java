package org.vmrole.host.link;

import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.host.HostAgent;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.HostAssignments;
import org.vmrole.model.host.HostHeartbeat;
import org.vmrole.model.host.HostJoin;
import org.vmrole.model.host.WantedImage;

/**
 * Keeps one host in the fabric: joins, beats every {@code interval} with what the host agent observes, and
 * hands new assignments to the host agent on a thread of their own, so a slow VM start never delays a
 * heartbeat. When the controller has been out of reach for {@code fenceAfter}, the host stops its VMs
 * itself: by then the controller is about to declare it down and start them elsewhere. A controller that says it cannot
 * act (not running, or without its store) cannot do that, so a restart or a store outage leaves the VMs running
 * ({@link ControllerSilence}).
 */
public final class HostDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostDaemon.class);

    private final ControllerClient controller;
    private final HostJoin join;
    private final Consumer<List<Assignment>> applied;
    private final Consumer<List<WantedImage>> imagesWanted;
    private final HostAgent agent;
    private final Supplier<Map<String, List<EndpointBinding>>> endpoints;
    private final Duration fenceAfter;
    private final InstantSource clock;
    private final AtomicReference<HostAssignments> pending = new AtomicReference<>();
    private final AtomicBoolean urgent = new AtomicBoolean();
    private final ScheduledExecutorService beats;
    private final ExecutorService applier;
    private boolean joined;
    private boolean warned;
    private boolean fenced;
    private volatile long knownVersion = -1;
    private long lastContactMillis;
    private final Map<URI, ControllerSilence.Answer> cannotAct = new java.util.HashMap<>();
    private long joinedAtMillis;
    /** A host joins again (a new key pair, a new certificate) this often; the controller's certificates last longer. */
    static final Duration REJOIN_EVERY = Duration.ofDays(1);

    /**
     * @param applied   hears every set of assignments once the host agent applied it (the private networks follow it)
     * @param endpoints the host ports of each running instance's endpoints, reported with every heartbeat
     * @param imagesWanted hears the images the controller wants this host to hold ahead of need, with every set of
     *                     assignments (on the heartbeat's thread, before they are applied: it must return at once)
     */
    public HostDaemon(ControllerClient controller, HostJoin join, HostAgent agent, Consumer<List<Assignment>> applied,
                      Supplier<Map<String, List<EndpointBinding>>> endpoints, Consumer<List<WantedImage>> imagesWanted,
                      Duration interval, Duration fenceAfter, InstantSource clock) {
        this.controller = controller;
        this.imagesWanted = imagesWanted;
        this.join = join;
        this.agent = agent;
        this.applied = applied;
        this.endpoints = endpoints;
        this.fenceAfter = fenceAfter;
        this.clock = clock;
        this.lastContactMillis = clock.millis();
        this.beats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("host-" + join.host() + "-heartbeat").factory());
        this.applier = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("host-" + join.host() + "-apply").factory());
        beats.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        // a VM that dies or becomes ready is reported at once, not at the next tick: detection well under a second
        agent.driver().addListener(change -> {
            if (!beats.isShutdown() && !urgent.getAndSet(true)) {
                try {
                    beats.execute(this::urgentBeat);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // the daemon is closing: nothing more to report
                }
            }
        });
    }

    private void urgentBeat() {
        urgent.set(false);
        beat();
    }

    private void beat() {
        beat(true);
    }

    /** {@code mayFollow}: a replica that names the leader sends this beat on to it at once, without waiting a period. */
    private void beat(boolean mayFollow) {
        try {
            if (joined && clock.millis() - joinedAtMillis > REJOIN_EVERY.toMillis()) joined = false;
            if (!joined) {
                controller.join(join);
                joined = true;
                joinedAtMillis = clock.millis();
                log.info("host {} joined the fabric (fault domain {})", join.host(), join.faultDomain());
            }
            controller.heartbeat(new HostHeartbeat(join.host(), knownVersion, agent.observe(), endpoints.get())).ifPresent(this::offer);
            lastContactMillis = clock.millis();
            fenced = false;
            warned = false;
        } catch (ControllerClient.CannotAct e) {
            if (!warned) log.warn("host {}: {}; its VMs keep running", join.host(), e.getMessage());
            warned = true;
            cannotAct.put(controller.controller(), new ControllerSilence.Answer(e.reason(), clock.millis()));
            joined = false;
            // every replica must say so before the silence is safe: ask the next one at once
            if (controller.failOver(null) && mayFollow) {
                beat(false);
                return;
            }
            fenceIfSilent();
        } catch (ControllerClient.NotAdmitted e) {
            if (!warned) log.error("host {} is not admitted by the controller: {}", join.host(), e.getMessage());
            warned = true;
            joined = false;
            fenceIfSilent();
        } catch (ControllerClient.ControllerNotTrusted e) {
            if (!warned) log.error("host {} refuses to join: {}", join.host(), e.getMessage());
            warned = true;
            fenceIfSilent();
        } catch (ControllerClient.NotLeader e) {
            joined = false;
            boolean moved = controller.failOver(e.leader());
            log.info("host {}: the replica it spoke to does not lead the controller (leader: {}); trying {}", join.host(),
                    e.leader() == null ? "none elected yet" : e.leader(), controller.controller());
            if (e.leader() == null) {
                // a live replica saw in etcd that nobody leads: nobody can declare this host down now, and the next leader
                // gives every host a fresh grace period when it takes over, so the VMs may keep running
                lastContactMillis = clock.millis();
            } else if (moved && mayFollow) {
                beat(false);
                return;
            }
            fenceIfSilent();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!warned) log.warn("host {} cannot reach the controller: {}", join.host(), e.toString());
            warned = true;
            // another replica of the controller, if this host knows several, may lead now: try it at once
            if (controller.failOver(null) && mayFollow) {
                beat(false);
                return;
            }
            // a controller that restarted may serve the host link on another port: only a join (which asks the API
            // port where it is) finds it again, so the next beat joins anew
            joined = false;
            fenceIfSilent();
        }
    }

    private void fenceIfSilent() {
        if (!fenced && clock.millis() > ControllerSilence.fenceAtMillis(lastContactMillis, fenceAfter, cannotAct, controller.controllers())) {
            fenced = true;
            log.warn("host {} has not reached the controller for {} ms: stopping its VMs so that no instance runs twice",
                    join.host(), clock.millis() - lastContactMillis);
            knownVersion = -1;
            // after whatever apply is under way: the applier is one thread
            pending.set(null);
            applier.execute(() -> {
                try {
                    agent.fence();
                    applied.accept(List.of());
                } catch (RuntimeException e) {
                    log.error("host {} failed to fence its VMs: {}", join.host(), e.getMessage(), e);
                }
            });
        }
    }

    /** Latest wins: a set that arrives while another is being applied replaces any set still waiting. */
    private void offer(HostAssignments next) {
        knownVersion = next.version();
        try {
            imagesWanted.accept(next.images());
        } catch (RuntimeException e) {
            log.warn("host {} could not take the list of images to warm: {}", join.host(), e.getMessage());
        }
        if (pending.getAndSet(next) == null) applier.execute(this::applyPending);
    }

    private void applyPending() {
        HostAssignments next = pending.getAndSet(null);
        if (next == null) return;
        try {
            agent.apply(next.assignments());
            applied.accept(next.assignments());
        } catch (RuntimeException e) {
            log.error("host {} failed to apply assignments version {}: {}", join.host(), next.version(), e.getMessage(), e);
        }
    }

    /** Stops beating; the VMs keep running so that a new daemon on the same data can re-adopt them. */
    @Override
    public void close() {
        beats.shutdownNow();
        applier.shutdownNow();
        try {
            beats.awaitTermination(5, TimeUnit.SECONDS);
            applier.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
