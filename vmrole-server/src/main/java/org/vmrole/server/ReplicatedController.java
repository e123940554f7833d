package org.vmrole.server;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.etcd.EtcdLeadership;
import org.vmrole.etcd.EtcdMembers;
import org.vmrole.etcd.LeaderStore;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.controller.ReconcileLoop;
import org.vmrole.fabric.store.StoreUnavailable;
import org.vmrole.api.metrics.PlatformMetrics;

/**
 * One of several replicas on one etcd: every replica serves the API; the one elected (etcd lease) re-reads the
 * desired state and runs the reconcile loop with its writes fenced by its term, until it is deposed.
 */
final class ReplicatedController implements ControllerRole, EtcdLeadership.Listener {
    private static final Logger log = LoggerFactory.getLogger(ReplicatedController.class);
    /** The lease of a leader: a dead leader's successor starts within about this long. */
    static final Duration LEASE = Duration.ofSeconds(2);

    private final LeaderStore store;
    private final Client client;
    private final String root;
    private final FabricController fabric;
    private final Duration period;
    private final PlatformMetrics metrics;
    private final EtcdLeadership leadership;
    private ReconcileLoop loop;
    private volatile long electedAtNanos;
    private volatile long firstPassNanos;

    ReplicatedController(LeaderStore store, Client client, String root, FabricController fabric, Duration period, PlatformMetrics metrics,
                         String address) {
        this.store = store;
        this.client = client;
        this.root = root;
        this.fabric = fabric;
        this.period = period;
        this.metrics = metrics;
        this.leadership = EtcdLeadership.start(client, root, address, LEASE, this);
    }

    @Override
    public synchronized void elected(EtcdLeadership.Term term) {
        electedAtNanos = System.nanoTime();
        firstPassNanos = 0;
        store.fenceWith(Optional.of(EtcdLeadership.fenceFor(root, term)));
        // the previous leader changed the desired state since this replica read it
        fabric.reloadAtNextPass();
        metrics.leadership(true);
        loop = new ReconcileLoop(fabric, period, (actions, took) -> {
            if (firstPassNanos == 0) {
                firstPassNanos = System.nanoTime();
                log.info("first reconcile pass as leader done {} ms after the election", (firstPassNanos - electedAtNanos) / 1_000_000);
            }
            metrics.reconciled(actions);
            metrics.reconcilePass(took);
        });
    }

    @Override
    public synchronized void deposed(EtcdLeadership.Term term) {
        // the loop's last pass still writes fenced: the fence lifts only after it stopped
        if (loop != null) loop.close();
        loop = null;
        store.fenceWith(Optional.empty());
        metrics.leadership(false);
        log.info("reconciler stopped: this replica no longer leads");
    }

    @Override
    public boolean leads() {
        return leadership.leading().isPresent();
    }

    /**
     * The leader's API address as etcd holds it now, or null when etcd says none is elected; a host may count that
     * answer as contact, so an etcd that cannot tell is a {@link StoreUnavailable}, never null.
     */
    String leaderAddress() {
        try {
            return EtcdLeadership.leader(client, root).map(EtcdLeadership.Term::address).orElse(null);
        } catch (RuntimeException unreachable) {
            throw new StoreUnavailable("the etcd store has no quorum or cannot be reached: this replica cannot tell which replica leads ("
                    + unreachable.getMessage() + ")", unreachable);
        }
    }

    /** When the first reconcile pass of the current term ended (System.nanoTime), 0 before it or when not leading. */
    long firstPassNanos() {
        return firstPassNanos;
    }

    @Override
    public Status status() {
        Optional<EtcdLeadership.Term> leader = EtcdLeadership.leader(client, root);
        List<Replica> replicas = EtcdLeadership.replicas(client, root).stream()
                .map(r -> new Replica(r.address(), r.since(), leader.map(l -> l.address().equals(r.address())).orElse(false))).toList();
        return new Status(leader.map(EtcdLeadership.Term::address).orElse(null), leader.map(EtcdLeadership.Term::since).orElse(null),
                replicas, EtcdMembers.of(client));
    }

    /** Stops as a killed replica would: no lease given back, so the others wait for it to expire. */
    void crash() {
        leadership.abandon();
    }

    @Override
    public void close() {
        leadership.close();
    }
}
