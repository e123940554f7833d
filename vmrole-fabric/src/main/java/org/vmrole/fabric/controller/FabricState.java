package org.vmrole.fabric.controller;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.store.Change;
import org.vmrole.fabric.store.HistoryCompacted;
import org.vmrole.fabric.store.RevisionConflict;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoredRecord;
import org.vmrole.fabric.store.Write;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.ObservedInstance;
import org.vmrole.model.host.PrivateNetwork;

/**
 * The controller's desired state in memory, written through to the store: every change is committed (with
 * compare-and-set on each key's revision, so a second controller on the same store is caught) before memory
 * changes. Also keeps, per host, its instances and the version of its assignments.
 */
final class FabricState {
    /** Where the secret behind every deployment's network key is kept (not a record type of {@link StateCodec}). */
    static final String NETWORK_SECRET = "secrets/private-network";
    final Map<String, Deployment> deployments = new HashMap<>();
    final Map<String, RoleInstance> instances = new HashMap<>();
    final Map<String, Host> hosts = new HashMap<>();
    final Map<String, Operation> operations = new HashMap<>();
    final Map<String, JoinToken> tokens = new HashMap<>();
    /** What each host last reported, as the leader stored it (on replicas; see {@link HostReport}). */
    final Map<String, HostReport> reports = new HashMap<>();
    private final Map<String, Long> revisions = new HashMap<>();
    private final Map<String, Set<String>> instancesByHost = new HashMap<>();
    private final Map<String, Long> hostVersions = new HashMap<>();
    private final Store store;
    private final StateCodec codec;
    private long loadedRevision;
    /** Every change up to this store revision is in memory. */
    private long seenRevision;
    private byte[] networkSecret;

    private FabricState(Store store, StateCodec codec) {
        this.store = store;
        this.codec = codec;
    }

    /** Reads everything from the store; hosts that were not Down get a fresh grace period from {@code now}. */
    static FabricState load(Store store, StateCodec codec, long now) {
        FabricState s = new FabricState(store, codec);
        s.loadedRevision = store.revision();
        s.seenRevision = s.loadedRevision;
        for (StoredRecord r : store.list(StateCodec.DEPLOYMENTS)) s.remember(r, codec.read(r, Deployment.class));
        for (StoredRecord r : store.list(StateCodec.INSTANCES)) s.remember(r, codec.read(r, RoleInstance.class));
        for (StoredRecord r : store.list(StateCodec.HOSTS)) {
            Host h = codec.read(r, Host.class);
            s.remember(r, h.status() == HostStatus.Down ? h : h.heardAt(now));
        }
        for (StoredRecord r : store.list(StateCodec.OPERATIONS)) s.remember(r, codec.read(r, Operation.class));
        for (StoredRecord r : store.list(StateCodec.TOKENS)) s.remember(r, codec.read(r, JoinToken.class));
        for (StoredRecord r : store.list(StateCodec.REPORTS)) s.remember(r, codec.read(r, HostReport.class));
        s.networkSecret = loadNetworkSecret(store);
        return s;
    }

    /** The secret every deployment's network key derives from: made once, kept in the store so keys survive restarts. */
    private static byte[] loadNetworkSecret(Store store) {
        Optional<StoredRecord> kept = store.get(NETWORK_SECRET);
        if (kept.isEmpty()) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            try {
                store.commit(List.of(Write.put(NETWORK_SECRET, HexFormat.of().formatHex(fresh), Store.ABSENT)));
            } catch (RevisionConflict another) {
                // another controller made it first: use theirs
            }
            kept = store.get(NETWORK_SECRET);
        }
        return HexFormat.of().parseHex(kept.orElseThrow().value());
    }

    private void remember(StoredRecord r, Object value) {
        revisions.put(r.key(), r.revision());
        applyToMemory(r.key(), value);
    }

    /**
     * Commits the changes to the store, then to memory; returns the store revision (unchanged when empty).
     *
     * <p>A set larger than the store takes in one transaction ({@link Store#maxWritesPerCommit()}, etcd's
     * {@code --max-txn-ops}) is committed in transactions of that size, in the order of {@link #commitOrder}: instances
     * and hosts first, then deployments, then operations, so that any prefix (a controller that dies between two
     * transactions, a conflict or an unreachable store in the middle) is a state the reconciler goes on from: a
     * deployment is removed only after its instances, and an operation says it finished only after what it waited for.
     * Each transaction that went through is in memory before the next is sent, so memory never lags the store.
     */
    long commit(ChangeSet set) {
        if (set.isEmpty()) return store.revision();
        List<Map.Entry<String, Object>> changes = commitOrder(set);
        int limit = Math.max(1, store.maxWritesPerCommit());
        if (changes.size() + set.alongside.size() <= limit) return commitChunk(changes, set.alongside);
        long revision = 0;
        for (int from = 0; from < changes.size(); from += limit) {
            List<Map.Entry<String, Object>> chunk = changes.subList(from, Math.min(changes.size(), from + limit));
            revision = commitChunk(chunk, List.of());
        }
        // a caller's own writes follow the fabric's (records that name them, such as who owns a forgotten operation)
        for (int from = 0; from < set.alongside.size(); from += limit) {
            revision = commitChunk(List.of(), set.alongside.subList(from, Math.min(set.alongside.size(), from + limit)));
        }
        return revision;
    }

    /** The changes in the order a split commit makes them: instances, hosts and tokens; deployments; operations. */
    static List<Map.Entry<String, Object>> commitOrder(ChangeSet set) {
        List<Map.Entry<String, Object>> out = new ArrayList<>(set.changes.entrySet());
        out.sort(java.util.Comparator.comparingInt(e -> e.getKey().startsWith(StateCodec.OPERATIONS) ? 2
                : e.getKey().startsWith(StateCodec.DEPLOYMENTS) ? 1 : 0));
        return out;
    }

    private long commitChunk(List<Map.Entry<String, Object>> changes, List<Write> alongside) {
        List<Write> writes = new ArrayList<>(changes.size() + alongside.size());
        for (Map.Entry<String, Object> e : changes) {
            long expected = revisions.getOrDefault(e.getKey(), Store.ABSENT);
            writes.add(e.getValue() == null ? Write.delete(e.getKey(), expected) : Write.put(e.getKey(), codec.write(e.getValue()), expected));
        }
        writes.addAll(alongside);
        long revision = store.commit(writes);
        // the revision right after the last one seen: nobody else wrote in between, so there is nothing to catch up on
        if (revision == seenRevision + 1) seenRevision = revision;
        Set<String> dirtyHosts = new HashSet<>();
        for (Map.Entry<String, Object> e : changes) applyCommitted(e.getKey(), e.getValue(), revision, dirtyHosts);
        for (String h : dirtyHosts) hostVersions.put(h, revision);
        return revision;
    }

    /**
     * Applies what others committed since this state last looked: the API of another replica, or a previous leader.
     * Own writes come back in the feed too and are skipped by their revision.
     *
     * @return false when the store no longer keeps that history: the caller must load everything again
     */
    boolean catchUp() {
        long latest = store.revision();
        if (latest <= seenRevision) return true;
        List<Change> changes;
        try {
            changes = store.changesSince(seenRevision);
        } catch (HistoryCompacted e) {
            return false;
        }
        Set<String> dirtyHosts = new HashSet<>();
        long last = latest;
        for (Change c : changes) {
            last = Math.max(last, c.revision());
            Class<?> type = StateCodec.typeOf(c.key());
            Long known = revisions.get(c.key());
            if (type == null || (known != null && known >= c.revision()) || (c.isDelete() && known == null)) continue;
            Object value = c.isDelete() ? null : codec.read(new StoredRecord(c.key(), c.value(), c.revision()), type);
            // heartbeats are kept in memory only: a host record from the store keeps the time this replica last heard it
            if (value instanceof Host h && hosts.get(h.name()) instanceof Host heard) value = h.heardAt(heard.lastHeartbeatMillis());
            applyCommitted(c.key(), value, c.revision(), dirtyHosts);
            for (String host : dirtyHosts) hostVersions.put(host, c.revision());
            dirtyHosts.clear();
        }
        seenRevision = last;
        return true;
    }

    /** One committed change into memory; hosts whose assignments it changes join {@code dirtyHosts}. */
    private void applyCommitted(String key, Object value, long revision, Set<String> dirtyHosts) {
        if (key.startsWith(StateCodec.DEPLOYMENTS) && value instanceof Deployment after) {
            // an upgrade step may change what instances run without touching their records (new settings only)
            Deployment before = deployments.get(after.id());
            if (before != null && (!before.roles().equals(after.roles()) || !java.util.Objects.equals(before.upgrade(), after.upgrade()))) {
                for (RoleInstance ri : instances.values()) {
                    if (ri.deploymentId().equals(after.id()) && ri.host() != null) dirtyHosts.add(ri.host());
                }
            }
        }
        if (key.startsWith(StateCodec.HOSTS) && value instanceof Host after) {
            Host before = hosts.get(after.name());
            if (before != null && !Objects.equals(before.networkAddress(), after.networkAddress())) dirtyHosts.addAll(networkNeighbours(after.name()));
        }
        if (key.startsWith(StateCodec.INSTANCES)) {
            RoleInstance before = instances.get(key.substring(StateCodec.INSTANCES.length()));
            RoleInstance after = (RoleInstance) value;
            if (changesAssignment(before, after)) {
                if (before != null) dirtyHosts.addAll(hostsRunning(before));
                if (after != null) dirtyHosts.addAll(hostsRunning(after));
                // the deployment's other instances see the topology or the tunnels change
                RoleInstance either = after != null ? after : before;
                if (changesNetwork(before, after) && PrivateNetworkPlan.hasNetwork(deployments.get(either.deploymentId()))) {
                    dirtyHosts.addAll(hostsOf(either.deploymentId()));
                }
            }
        }
        if (value == null) {
            revisions.remove(key);
            forget(key);
        } else {
            revisions.put(key, revision);
            applyToMemory(key, value);
        }
    }

    private static boolean changesNetwork(RoleInstance before, RoleInstance after) {
        return before == null || after == null || !Objects.equals(before.host(), after.host()) || before.retiring() != after.retiring();
    }

    /** The hosts that run instances of a deployment: a scan, made only for deployments with a private network. */
    private Set<String> hostsOf(String deploymentId) {
        Set<String> out = new HashSet<>();
        for (RoleInstance ri : instances.values()) {
            if (ri.deploymentId().equals(deploymentId) && ri.host() != null) out.add(ri.host());
        }
        return out;
    }

    /** A host's tunnel moved (it restarted on a new port): hosts sharing a private network with it must hear of it. */
    private Set<String> networkNeighbours(String hostName) {
        Set<String> deploymentIds = new HashSet<>();
        for (String key : instancesByHost.getOrDefault(hostName, Set.of())) deploymentIds.add(instances.get(key).deploymentId());
        Set<String> out = new HashSet<>();
        for (String id : deploymentIds) {
            if (PrivateNetworkPlan.hasNetwork(deployments.get(id))) out.addAll(hostsOf(id));
        }
        return out;
    }

    private static boolean changesAssignment(RoleInstance before, RoleInstance after) {
        if (before == null || after == null) return true;
        return !Objects.equals(before.host(), after.host()) || before.incarnation() != after.incarnation()
                || before.rebootGeneration() != after.rebootGeneration() || before.retiring() != after.retiring()
                || !Objects.equals(handoverHost(before), handoverHost(after));
    }

    private static String handoverHost(RoleInstance ri) {
        return ri.handover() == null ? null : ri.handover().host();
    }

    /** The hosts an instance runs on: its own, and the one its handover copy still runs on. */
    private static List<String> hostsRunning(RoleInstance ri) {
        List<String> out = new ArrayList<>(2);
        if (ri.host() != null) out.add(ri.host());
        String old = handoverHost(ri);
        if (old != null && !old.equals(ri.host())) out.add(old);
        return out;
    }

    private void applyToMemory(String key, Object value) {
        switch (value) {
            case Deployment d -> deployments.put(d.id(), d);
            case RoleInstance ri -> {
                RoleInstance before = instances.put(ri.key(), ri);
                if (before != null) unindex(before);
                for (String h : hostsRunning(ri)) instancesByHost.computeIfAbsent(h, k -> new HashSet<>()).add(ri.key());
            }
            case Host h -> hosts.put(h.name(), h);
            case Operation op -> operations.put(op.id(), op);
            case JoinToken t -> tokens.put(t.hostName(), t);
            case HostReport r -> reports.put(r.host(), r);
            default -> throw new IllegalStateException("no place in memory for " + value.getClass().getSimpleName() + " at '" + key + "'");
        }
    }

    private void forget(String key) {
        int slash = key.indexOf('/');
        String prefix = key.substring(0, slash + 1);
        String id = key.substring(slash + 1);
        switch (prefix) {
            case StateCodec.DEPLOYMENTS -> deployments.remove(id);
            case StateCodec.INSTANCES -> {
                RoleInstance before = instances.remove(id);
                if (before != null) unindex(before);
            }
            case StateCodec.HOSTS -> hosts.remove(id);
            case StateCodec.OPERATIONS -> operations.remove(id);
            case StateCodec.TOKENS -> tokens.remove(id);
            case StateCodec.REPORTS -> reports.remove(id);
            default -> throw new IllegalStateException("unknown store key '" + key + "'");
        }
    }

    private void unindex(RoleInstance ri) {
        for (String host : hostsRunning(ri)) {
            Set<String> onHost = instancesByHost.get(host);
            if (onHost == null) continue;
            onHost.remove(ri.key());
            if (onHost.isEmpty()) instancesByHost.remove(host);
        }
    }

    /** Updates a host's heartbeat time in memory only: heartbeats are too frequent to persist. */
    void heard(String hostName, long now) {
        hosts.computeIfPresent(hostName, (n, h) -> h.heardAt(now));
    }

    /** The version of the host's assignments: the store revision of their last change (at least the revision loaded at start). */
    long assignmentVersion(String host) {
        return hostVersions.getOrDefault(host, loadedRevision);
    }

    /** What the host should run, in key order: its instances that are not being removed, and the copies they hand over from. */
    List<Assignment> assignmentsFor(String host) {
        List<Assignment> out = new ArrayList<>();
        // per deployment, once per call: its instances and its network key
        Map<String, List<RoleInstance>> members = new HashMap<>();
        Map<String, String> keys = new HashMap<>();
        for (String key : new TreeSet<>(instancesByHost.getOrDefault(host, Set.of()))) {
            RoleInstance ri = instances.get(key);
            if (ri.retiring()) continue;
            // two copies of a moving instance share its address and MAC: one at a time is on the private network,
            // the old copy until the handover is released, the new one after
            boolean oldCopy = !host.equals(ri.host());
            boolean detached = ri.handover() != null && ri.handover().released() == oldCopy;
            if (oldCopy) ri = ri.handoverCopy();
            Deployment d = deployments.get(ri.deploymentId());
            RoleSpec spec = d == null ? null : d.specFor(ri.name().role(), ri.updateDomain()).orElse(null);
            if (spec == null) continue;
            PrivateNetwork network = null;
            if (PrivateNetworkPlan.hasNetwork(d)) {
                List<RoleInstance> ofDeployment = members.computeIfAbsent(d.id(), this::instancesOf);
                String networkKey = keys.computeIfAbsent(d.id(), id -> PrivateNetworkPlan.key(networkSecret, id));
                network = PrivateNetworkPlan.of(d, ri, ofDeployment, hosts, networkKey).withDetached(detached);
            }
            out.add(new Assignment(ri.deploymentId(), ri.name(), ri.incarnation(), ri.rebootGeneration(), spec.size(),
                    spec.imageDigest(), ri.updateDomain(), ri.faultDomain(), spec.settings(), spec.endpoints(), spec.localDisks(), network,
                    spec.userData(), spec.probe(), spec.drives()));
        }
        return out;
    }

    private List<RoleInstance> instancesOf(String deploymentId) {
        List<RoleInstance> out = new ArrayList<>();
        for (RoleInstance ri : instances.values()) if (ri.deploymentId().equals(deploymentId)) out.add(ri);
        return out;
    }

    /** The host reports a live VM it is not assigned: one moved away, retired, or unknown to the controller. */
    boolean runsStrays(String host, List<ObservedInstance> observed) {
        Set<String> mine = instancesByHost.getOrDefault(host, Set.of());
        for (ObservedInstance o : observed) {
            if (!o.state().mayBeLive()) continue;
            if (!mine.contains(o.key()) || instances.get(o.key()).retiring()) return true;
        }
        return false;
    }

    long revision() {
        return store.revision();
    }
}
