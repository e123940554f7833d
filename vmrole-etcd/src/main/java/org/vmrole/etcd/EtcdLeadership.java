package org.vmrole.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's part in electing the controller's leader on etcd: it holds a lease of {@code ttl}, registers itself
 * under {@code ROOT/replicas/} with it, and leads while {@code ROOT/leader} holds its term (created only when absent,
 * bound to the lease, so it vanishes {@code ttl} after the leader stops renewing).
 *
 * <p>A leader steps down when its last confirmed renewal is older than {@code ttl} minus a safety margin: before the
 * lease can expire in etcd, so before another replica can be elected. No call to etcd may outlast that deadline (an
 * unreachable etcd does not answer at all), so the step-down is on time however etcd fails. Its writes are fenced
 * besides ({@link #fence()}): a write that arrives late still fails when the leader key no longer holds this term.
 */
public final class EtcdLeadership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdLeadership.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TICK = Duration.ofMillis(100);
    private static final long CALL_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A leader's term as the leader key holds it: its API address, the lease it holds, since when. */
    public record Term(String address, long lease, Instant since) {
        String json() {
            try {
                return JSON.writeValueAsString(new TermJson(address, Long.toHexString(lease), since.toString()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static Term parse(String json) {
            try {
                TermJson t = JSON.readValue(json, TermJson.class);
                return new Term(t.address(), Long.parseUnsignedLong(t.lease(), 16), Instant.parse(t.since()));
            } catch (JsonProcessingException | RuntimeException e) {
                throw new IllegalStateException("the leader key holds no term vmrole wrote: " + json, e);
            }
        }
    }

    private record TermJson(String address, String lease, String since) {
    }

    /** Told when this replica starts and stops leading; called on the election's own thread, one call at a time. */
    public interface Listener {
        void elected(Term term);

        void deposed(Term term);
    }

    private final Client client;
    private final String root;
    private final String address;
    private final Duration ttl;
    private final Duration margin;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Term leading;
    private long lease;
    private long renewedAtNanos;

    private EtcdLeadership(Client client, String root, String address, Duration ttl, Listener listener) {
        this.client = client;
        this.root = root;
        this.address = address;
        this.ttl = ttl;
        this.margin = ttl.dividedBy(4);
        this.listener = listener;
        this.thread = Thread.ofPlatform().daemon().name("leader-election-" + address).unstarted(this::run);
    }

    /** Starts campaigning at once; {@code address} names this replica (its API's host:port). */
    public static EtcdLeadership start(Client client, String root, String address, Duration ttl, Listener listener) {
        EtcdLeadership e = new EtcdLeadership(client, root, address, ttl, listener);
        e.thread.start();
        return e;
    }

    /** The term this replica leads in now, if it leads. */
    public Optional<Term> leading() {
        return Optional.ofNullable(leading);
    }

    /** What a write must find so that only the current leader's writes apply; empty when this replica does not lead. */
    public Optional<EtcdStore.Fence> fence() {
        Term t = leading;
        return t == null ? Optional.empty() : Optional.of(fenceFor(root, t));
    }

    /** What a write must find in etcd so that it applies only while {@code term} leads. */
    public static EtcdStore.Fence fenceFor(String root, Term term) {
        return new EtcdStore.Fence(root + "leader", term.json());
    }

    private String leaderKey() {
        return root + "leader";
    }

    private void run() {
        while (running) {
            try {
                tick();
            } catch (RuntimeException e) {
                log.debug("leader election tick failed: {}", e.toString());
            }
            if (leading != null && System.nanoTime() >= stepDownAtNanos()) {
                // the lease goes with the term: kept and renewed once etcd answers again, it would keep the leader key
                // alive, naming a replica that no longer leads, and nobody could be elected
                long abandoned = lease;
                lease = 0;
                stepDown("its lease was last renewed over " + ttl.minus(margin).toMillis() + " ms ago (etcd unreachable or without quorum)");
                // given back when etcd answers (the key goes at once), else it lapses within the TTL
                client.getLeaseClient().revoke(abandoned);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(TICK.toNanos(), leading == null ? Long.MAX_VALUE : Math.max(0, stepDownAtNanos() - System.nanoTime())));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private long stepDownAtNanos() {
        return renewedAtNanos + ttl.minus(margin).toNanos();
    }

    /** How long the next call to etcd may take: a leader's calls end by its step-down deadline. */
    private long callLimitNanos() {
        return leading == null ? CALL_LIMIT_NANOS : Math.max(0, Math.min(CALL_LIMIT_NANOS, stepDownAtNanos() - System.nanoTime()));
    }

    private <T> T call(java.util.concurrent.CompletableFuture<T> f) {
        return call(f, callLimitNanos());
    }

    private void tick() {
        if (lease == 0) grantLease();
        renew();
        if (leading == null) campaign();
        else if (!stillLeader()) stepDown("the leader key no longer holds its term");
    }

    private void grantLease() {
        long granted = call(client.getLeaseClient().grant(Math.max(1, ttl.toSeconds()))).getID();
        renewedAtNanos = System.nanoTime();
        lease = granted;
        Instant now = Instant.now();
        String replica = json(new TermJson(address, Long.toHexString(granted), now.toString()));
        call(client.getKVClient().put(bytes(root + "replicas/" + address), bytes(replica), PutOption.builder().withLeaseId(granted).build()));
    }

    private void renew() {
        long sent = System.nanoTime();
        long left;
        try {
            left = call(client.getLeaseClient().keepAliveOnce(lease)).getTTL();
        } catch (RuntimeException e) {
            // unrenewed for longer than its TTL, the lease is gone in etcd (which may answer "not found"): take a new one
            if (sent - renewedAtNanos > ttl.toNanos()) lease = 0;
            throw e;
        }
        if (left <= 0) {
            lease = 0;
            throw new IllegalStateException("lease expired");
        }
        renewedAtNanos = sent;
    }

    private void campaign() {
        Term term = new Term(address, lease, Instant.now());
        ByteSequence key = bytes(leaderKey());
        TxnResponse r = call(client.getKVClient().txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(key, bytes(term.json()), PutOption.builder().withLeaseId(lease).build())).Else().commit());
        if (!r.isSucceeded()) return;
        leading = term;
        log.info("this replica ({}) leads the controller now (lease {})", address, Long.toHexString(lease));
        listener.elected(term);
    }

    private boolean stillLeader() {
        List<KeyValue> kvs = call(client.getKVClient().get(bytes(leaderKey()))).getKvs();
        return !kvs.isEmpty() && Term.parse(string(kvs.getFirst().getValue())).lease() == leading.lease();
    }

    private void stepDown(String why) {
        Term was = leading;
        if (was == null) return;
        leading = null;
        log.warn("this replica ({}) stops leading: {}", address, why);
        listener.deposed(was);
    }

    /** The current leader's term, as etcd holds it now. */
    public static Optional<Term> leader(Client client, String root) {
        List<KeyValue> kvs = call(client.getKVClient().get(bytes(root + "leader")), CALL_LIMIT_NANOS).getKvs();
        return kvs.isEmpty() ? Optional.empty() : Optional.of(Term.parse(string(kvs.getFirst().getValue())));
    }

    /** Every replica alive now (holding its lease), by address, with since when it runs. */
    public static List<Term> replicas(Client client, String root) {
        List<Term> out = new ArrayList<>();
        for (KeyValue kv : call(client.getKVClient().get(bytes(root + "replicas/"), GetOption.builder().isPrefix(true).build()), CALL_LIMIT_NANOS).getKvs()) {
            out.add(Term.parse(string(kv.getValue())));
        }
        return out;
    }

    /** Stops campaigning; a leader steps down and gives its lease back, so another replica takes over at once. */
    @Override
    public void close() {
        stopCampaigning();
        stepDown("the replica is shutting down");
        if (lease != 0) {
            try {
                call(client.getLeaseClient().revoke(lease), CALL_LIMIT_NANOS);
            } catch (RuntimeException e) {
                log.info("could not give the lease back ({}); it expires within {} s", e.getMessage(), ttl.toSeconds());
            }
        }
    }

    /** Stops without giving the lease back, as a replica killed with SIGKILL would (tests measure failover with it). */
    public void abandon() {
        stopCampaigning();
        // a killed process gives nothing back: a later close() must not revoke the lease either
        lease = 0;
        Term was = leading;
        leading = null;
        if (was != null) listener.deposed(was);
    }

    private void stopCampaigning() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T call(java.util.concurrent.CompletableFuture<T> f, long limitNanos) {
        try {
            return f.get(limitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            f.cancel(true);
            throw new IllegalStateException("etcd did not answer: " + e, e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String string(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
