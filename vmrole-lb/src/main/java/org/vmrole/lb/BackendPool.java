package org.vmrole.lb;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The backends of one endpoint of one deployment: the controller sets them, the pool probes them, and new
 * connections go round-robin over those in rotation. Any number of listeners may route to a pool.
 */
public final class BackendPool implements Route, AutoCloseable {

    private static final BackendState[] NONE = new BackendState[0];
    private static final long KERNEL_WATCH_MILLIS = 50;

    private final String name;
    private final ProbeSpec probeSpec;
    private final Prober prober;
    private final EventLoopGroup group;
    private final Consumer<BackendPool> onClose;
    /** Null when this pool does not check reachability. */
    private final Reachability reachability;
    /** True when the kernel neither sends new connections to the address nor holds one open to it. */
    private final java.util.function.Predicate<InetSocketAddress> kernelQuiet;

    private final Map<String, BackendState> backends = new LinkedHashMap<>();
    private boolean closed;
    private volatile BackendState[] rotation = NONE;
    /** Set once a kernel-forwarded endpoint routes here: this process never sees the connections the kernel forwards. */
    private volatile boolean forwardedInKernel;
    private final AtomicInteger cursor = new AtomicInteger();

    BackendPool(String name, ProbeSpec probeSpec, Reachability reachability, java.util.function.Predicate<InetSocketAddress> kernelQuiet,
                Prober prober, EventLoopGroup group, Consumer<BackendPool> onClose) {
        this.name = Objects.requireNonNull(name, "pool name");
        this.probeSpec = Objects.requireNonNull(probeSpec, () -> "pool '" + name + "' has no probe");
        this.prober = prober;
        this.group = group;
        this.onClose = onClose;
        this.reachability = reachability;
        this.kernelQuiet = kernelQuiet;
    }

    public String name() {
        return name;
    }

    public ProbeSpec probeSpec() {
        return probeSpec;
    }

    @Override
    public BackendPool pool() {
        return this;
    }

    /**
     * Replaces the set of backends. A backend already known by id and address keeps its probe record and
     * connections and takes the new availability; a new one is probed at once and enters rotation on its first
     * pass; one left out stops being probed and takes no new connections (its open ones are left to finish,
     * and a drain in progress runs to its end). A drained backend stays out until it is left out once.
     */
    public void setBackends(List<Backend> list) {
        Map<String, Backend> wanted = new LinkedHashMap<>();
        for (Backend b : list) {
            if (wanted.put(b.id(), b) != null) {
                throw new IllegalArgumentException("pool '" + name + "' was given backend id '" + b.id() + "' twice: ids must be unique");
            }
        }
        List<BackendState> toProbe = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("pool '" + name + "' is closed");
            }
            for (var it = backends.values().iterator(); it.hasNext(); ) {
                BackendState s = it.next();
                Backend w = wanted.get(s.id);
                if (w == null || !w.address().equals(s.address)) {
                    retire(s);
                    it.remove();
                }
            }
            for (Backend w : wanted.values()) {
                BackendState s = backends.get(w.id());
                if (s == null) {
                    s = new BackendState(w);
                    backends.put(w.id(), s);
                    toProbe.add(s);
                } else {
                    s.availability = w.availability();
                }
            }
            recompute();
        }
        toProbe.forEach(s -> {
            scheduleProbe(s, 0);
            scheduleReach(s, 0);
        });
    }

    /**
     * Takes a backend out of rotation at once; its open connections may finish within {@code period}, then
     * are closed. The future completes when it has none left, so the controller may stop the instance. Draining
     * again returns the same future; an unknown id is already drained.
     */
    public CompletableFuture<Drained> drain(String backendId, Duration period) {
        if (period == null || period.isNegative()) {
            throw new IllegalArgumentException("drain period for '" + backendId + "' is " + period + ": give zero or more");
        }
        BackendState s;
        CompletableFuture<Drained> future;
        synchronized (this) {
            s = backends.get(backendId);
            if (s == null) {
                return CompletableFuture.completedFuture(new Drained(backendId, 0));
            }
            boolean first = !s.draining();
            future = s.beginDrain();
            if (!first) {
                return future;
            }
            recompute();
        }
        if (forwardedInKernel) {
            s.holdUntilDeadline();
            watchKernel(s);
        }
        s.finishIfIdle();
        if (!future.isDone()) {
            group.schedule(s::deadline, period.toNanos(), TimeUnit.NANOSECONDS);
        }
        return future;
    }

    /**
     * The kernel forwards connections this process cannot see: the drain may end once the kernel no longer sends new
     * ones to the backend and holds none open to it (or at its deadline).
     */
    private void watchKernel(BackendState s) {
        if (s.drainFinished()) {
            return;
        }
        if (kernelQuiet.test(s.address)) {
            s.endHold();
            return;
        }
        group.schedule(() -> watchKernel(s), KERNEL_WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** What the pool knows of each backend, in the order the controller gave them. */
    public synchronized List<BackendStatus> status() {
        Set<BackendState> in = Set.of(rotation);
        List<BackendStatus> out = new ArrayList<>();
        for (BackendState s : backends.values()) {
            out.add(new BackendStatus(s.id, s.address, s.availability, s.probe.health(), s.draining(), in.contains(s),
                    s.openConnections()));
        }
        return out;
    }

    /** Addresses of the backends now taking new connections, in rotation order. */
    List<InetSocketAddress> rotationAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (BackendState s : rotation) {
            out.add(s.address);
        }
        return out;
    }

    void forwardedInKernel() {
        forwardedInKernel = true;
    }

    /** Ids of the backends now taking new connections. */
    public List<String> inRotation() {
        List<String> ids = new ArrayList<>();
        for (BackendState s : rotation) {
            ids.add(s.id);
        }
        return ids;
    }

    /** Stops probing and takes every backend out; open connections are left to finish. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            backends.values().forEach(this::retire);
            // a drain held for kernel-forwarded connections has no deadline left to wait for
            backends.values().forEach(BackendState::endHold);
            backends.clear();
            rotation = NONE;
        }
        onClose.accept(this);
    }

    /** The next backend in rotation not yet tried for this connection, round-robin; null when none is left. */
    BackendState next(List<BackendState> tried) {
        BackendState[] r = rotation;
        int n = r.length;
        if (n == 0) {
            return null;
        }
        int start = Math.floorMod(cursor.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            BackendState candidate = r[(start + i) % n];
            if (!tried.contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    boolean admit(BackendState s, Channel frontend) {
        return s.admit(frontend);
    }

    void release(BackendState s, Channel frontend) {
        s.release(frontend);
    }

    /** Live traffic could not connect: take the backend out now and probe it again at once. */
    void connectFailed(BackendState s) {
        synchronized (this) {
            if (s.retired) {
                return;
            }
            s.probe = s.probe.refused();
            recompute();
        }
        reprobeNow(s);
    }

    /** Runs the backend's next probe now instead of at its interval (unless one is running). */
    private void reprobeNow(BackendState s) {
        boolean reprobe;
        synchronized (this) {
            reprobe = !s.retired && s.nextProbe != null && s.nextProbe.cancel(false);
        }
        if (reprobe) {
            scheduleProbe(s, 0);
        }
    }

    private void scheduleProbe(BackendState s, long delayNanos) {
        synchronized (this) {
            if (s.retired || closed) {
                return;
            }
            s.nextProbe = group.schedule(() -> runProbe(s), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void runProbe(BackendState s) {
        prober.probe(s.address, probeSpec).whenComplete((passed, error) -> {
            synchronized (this) {
                if (s.retired) {
                    return;
                }
                s.probe = s.probe.after(error == null && passed, probeSpec.failureThreshold());
                recompute();
            }
            scheduleProbe(s, probeSpec.interval().toNanos());
        });
    }

    private void scheduleReach(BackendState s, long delayNanos) {
        if (reachability == null) {
            return;
        }
        synchronized (this) {
            // a draining backend is out already
            if (s.retired || closed || s.draining()) {
                return;
            }
            s.nextReach = group.schedule(() -> runReach(s), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void runReach(BackendState s) {
        prober.reach(new InetSocketAddress(s.address.getAddress(), reachability.port()), reachability.timeout()).whenComplete((reached, error) -> {
            boolean gone;
            boolean back;
            synchronized (this) {
                if (s.retired) {
                    return;
                }
                boolean ok = error == null && reached;
                back = ok && s.unreached >= reachability.failures();
                s.unreached = ok ? 0 : s.unreached + 1;
                // once per run of misses; the probe, not this check, puts the backend back
                gone = s.unreached == reachability.failures();
            }
            if (gone) {
                connectFailed(s);
            } else if (back) {
                reprobeNow(s);
            }
            scheduleReach(s, reachability.interval().toNanos());
        });
    }

    private void retire(BackendState s) {
        s.retired = true;
        if (s.nextProbe != null) {
            s.nextProbe.cancel(false);
        }
        if (s.nextReach != null) {
            s.nextReach.cancel(false);
        }
    }

    // Called with the lock held: the hot path reads the published array without locking.
    private void recompute() {
        int size = backends.size();
        List<BackendState> in = new ArrayList<>(size);
        for (BackendState s : backends.values()) {
            if (RotationRule.inRotation(s.availability, s.probe.health(), s.draining(), size)) {
                in.add(s);
            }
        }
        rotation = in.toArray(NONE);
    }

    @Override
    public String toString() {
        return "pool '" + name + "' in rotation " + inRotation();
    }
}
