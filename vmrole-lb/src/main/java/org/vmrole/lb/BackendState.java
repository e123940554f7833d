package org.vmrole.lb;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * The load balancer's running knowledge of one backend: probe record, drain, and its open connections.
 * Probe and availability fields are guarded by the owning pool's lock; the connection set and drain by this.
 */
final class BackendState {

    final String id;
    final InetSocketAddress address;

    Availability availability;
    ProbeRecord probe = ProbeRecord.INITIAL;
    boolean retired;
    ScheduledFuture<?> nextProbe;
    /** Reachability checks missed in a row, and the next one (null when the pool does not check). */
    int unreached;
    ScheduledFuture<?> nextReach;

    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private boolean drainDone;
    /** The kernel forwards connections here that cannot be seen: a drain runs to its deadline. */
    private boolean holdUntilDeadline;
    private CompletableFuture<Drained> drain;

    BackendState(Backend backend) {
        this.id = backend.id();
        this.address = backend.address();
        this.availability = backend.availability();
    }

    boolean draining() {
        return draining;
    }

    int openConnections() {
        return connections.size();
    }

    /** Starts the drain, or returns the one already running. The caller schedules the deadline when {@code started}. */
    synchronized CompletableFuture<Drained> beginDrain() {
        if (drain == null) {
            draining = true;
            drain = new CompletableFuture<>();
        }
        return drain;
    }

    /** Admits a connection that just reached this backend; refused once a drain has finished. */
    synchronized boolean admit(Channel frontend) {
        if (drainDone) {
            return false;
        }
        connections.add(frontend);
        return true;
    }

    void release(Channel frontend) {
        CompletableFuture<Drained> finished = null;
        synchronized (this) {
            if (connections.remove(frontend) && draining && !drainDone && !holdUntilDeadline && connections.isEmpty()) {
                drainDone = true;
                finished = drain;
            }
        }
        if (finished != null) {
            finished.complete(new Drained(id, 0));
        }
    }

    synchronized boolean drainFinished() {
        return drainDone;
    }

    synchronized void holdUntilDeadline() {
        holdUntilDeadline = true;
    }

    /** Lets a held drain complete as soon as the proxy has no connection left (at once when it has none). */
    void endHold() {
        synchronized (this) {
            holdUntilDeadline = false;
        }
        finishIfIdle();
    }

    /** Completes a drain with nothing open right away. */
    void finishIfIdle() {
        CompletableFuture<Drained> finished = null;
        synchronized (this) {
            if (draining && !drainDone && !holdUntilDeadline && connections.isEmpty()) {
                drainDone = true;
                finished = drain;
            }
        }
        if (finished != null) {
            finished.complete(new Drained(id, 0));
        }
    }

    /** The drain period is over: close what is still open. */
    void deadline() {
        List<Channel> open;
        CompletableFuture<Drained> finished;
        synchronized (this) {
            if (drainDone) {
                return;
            }
            drainDone = true;
            finished = drain;
            open = new ArrayList<>(connections);
        }
        open.forEach(Channel::close);
        finished.complete(new Drained(id, open.size()));
    }
}
