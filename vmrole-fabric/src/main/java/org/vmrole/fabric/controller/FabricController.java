package org.vmrole.fabric.controller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.OperationKind;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.model.Upgrade;
import org.vmrole.fabric.model.UpgradeMode;
import org.vmrole.fabric.model.UpgradeState;
import org.vmrole.fabric.reconcile.Action;
import org.vmrole.fabric.reconcile.DesiredState;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.reconcile.ObservedState;
import org.vmrole.fabric.reconcile.OperationRetention;
import org.vmrole.fabric.reconcile.Reconciler;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;
import org.vmrole.model.InstanceName;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.ObservedInstance;

/**
 * The fabric controller: admits hosts with join tokens, takes their heartbeats and answers with their
 * assignments, accepts API requests as changes to desired state, and runs reconcile passes. Everything it
 * acknowledges is in the store first; a new controller on the same store carries on where this one stopped.
 *
 * <p>Thread-safe (one lock); it starts no threads. {@link ReconcileLoop} runs passes on a schedule, and an HTTP
 * layer maps its methods one to one.
 */
public final class FabricController {
    private static final Logger log = LoggerFactory.getLogger(FabricController.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final InstantSource clock;
    private final Reconciler reconciler;
    private final Store store;
    private FabricState state;
    private StartupGrace grace;
    private ActionExecutor executor;
    private final List<java.util.function.Consumer<FencedHost>> fenceListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Map<String, ObservedInstance>> observed = new HashMap<>();
    private final Map<String, Long> knownVersions = new HashMap<>();
    /** Whether this controller serves hosts now (it leads); the leader's address otherwise (null: none elected yet). */
    private volatile java.util.function.BooleanSupplier leads = () -> true;
    /** Replicated: the leader stores what hosts report ({@link HostReport}) for the replicas that do not lead. */
    private boolean shareReports;
    /** Hosts whose report changed since the leader last stored it. */
    private final java.util.Set<String> reportsChanged = new java.util.HashSet<>();
    private boolean reloadPending;
    private volatile java.util.function.Supplier<String> leader = () -> null;
    /** What each host was last sent, and the hosts from which a change is held back until the balancer lets go. */
    private final Map<String, List<Assignment>> lastSent = new HashMap<>();
    private final java.util.Set<String> holding = new java.util.HashSet<>();
    private RotationHold.Serving serving = RotationHold.NONE;
    /** How often the leader looks for finished operations to forget, and what it forgets with them. */
    static final long RETENTION_EVERY_MILLIS = 60_000;
    private OperationRetention retention = OperationRetention.DEFAULT;
    private java.util.function.Function<List<String>, List<Write>> forgottenAlongside = ids -> List.of();
    private long retentionCheckedMillis = Long.MIN_VALUE;

    /** Loads the desired state from {@code store}; hosts get {@code policy.hostTimeout()} to report again. */
    public FabricController(Store store, InstantSource clock, HealingPolicy policy) {
        this.clock = clock;
        this.store = store;
        this.reconciler = new Reconciler(policy);
        this.state = FabricState.load(store, new StateCodec(), clock.millis());
        this.grace = new StartupGrace(clock.millis(), StartupGrace.DEFAULT);
        this.executor = new ActionExecutor(state);
    }

    /**
     * Has the next reconcile pass read the desired state from the store again first, as a replica does when it becomes
     * the leader: another replica may have changed it since this one loaded. Hosts get a fresh {@link StartupGrace}, as
     * after a restart. Deferred to the pass, so that a store too slow to answer now fails that pass, which the next one
     * retries, and never the election that asked for it (a leader that never reconciled).
     */
    public synchronized void reloadAtNextPass() {
        reloadPending = true;
    }

    private void reload() {
        state = FabricState.load(store, new StateCodec(), clock.millis());
        grace = new StartupGrace(clock.millis(), StartupGrace.DEFAULT);
        executor = new ActionExecutor(state);
        // what hosts were told belongs to another leadership: start as a restarted controller does
        knownVersions.clear();
        lastSent.clear();
    }

    /**
     * Hosts can reach this controller from now on (its host link listens): their {@link StartupGrace} counts from now, not
     * from when the state was loaded. A controller that took seconds to start would otherwise declare its hosts down
     * before they could beat to it, and restart VMs that kept running through its restart.
     */
    public synchronized void hostsCanReachFromNow() {
        grace = new StartupGrace(clock.millis(), StartupGrace.DEFAULT);
    }

    /**
     * On a replica, hosts are served by the leader only (their heartbeats live in its memory): while {@code leads} is
     * false, joins and heartbeats are refused with {@link NotLeader} naming {@code leader} (null when none is elected).
     */
    public synchronized void serveHostsOnlyWhenLeading(java.util.function.BooleanSupplier leads, java.util.function.Supplier<String> leader) {
        this.leads = leads;
        this.shareReports = true;
        this.leader = leader;
    }

    private String leaderOrNone() {
        try {
            String named = leader.get();
            return named == null ? "none elected now" : named;
        } catch (RuntimeException unreachable) {
            return "the store cannot tell now";
        }
    }

    private void requireServingHosts() {
        if (!leads.getAsBoolean()) throw new NotLeader(leader.get());
    }

    /** Takes in what other replicas (or a previous leader) committed; reloads everything when the store forgot that history. */
    private void catchUp() {
        if (!state.catchUp()) reload();
    }

    // ---- hosts ---------------------------------------------------------------------------------------------

    /** Issues the token a host must present to join and on every heartbeat; replaces any earlier token for that name. */
    public synchronized String issueJoinToken(String hostName) {
        catchUp();
        Host.requireValidName(hostName);
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        state.commit(new ChangeSet().put(new JoinToken(hostName, sha256(token), clock.millis())));
        return token;
    }

    /** Revokes the host's token and forgets the host: it can no longer beat, and its instances move elsewhere. */
    public synchronized void revokeHost(String hostName) {
        catchUp();
        if (!state.tokens.containsKey(hostName) && !state.hosts.containsKey(hostName)) throw new NoSuchTarget("no host named '" + hostName + "'");
        ChangeSet changes = new ChangeSet();
        if (state.tokens.containsKey(hostName)) changes.delete(StateCodec.tokenKey(hostName));
        if (state.hosts.containsKey(hostName)) changes.delete(StateCodec.HOSTS + hostName);
        if (state.reports.containsKey(hostName)) changes.delete(StateCodec.reportKey(hostName));
        state.commit(changes);
        reportsChanged.remove(hostName);
        observed.remove(hostName);
        knownVersions.remove(hostName);
        lastSent.remove(hostName);
        holding.remove(hostName);
        log.info("host {} revoked", hostName);
    }

    /** Admits a host (or updates its capacity when it joins again). */
    public synchronized Host registerHost(String joinToken, HostRegistration registration) {
        requireServingHosts();
        catchUp();
        admit(registration.name(), joinToken);
        Host existing = state.hosts.get(registration.name());
        if (existing != null && existing.faultDomain() != registration.faultDomain()) {
            throw new RequestConflict("host '" + registration.name() + "' is registered in fault domain " + existing.faultDomain()
                    + ", not " + registration.faultDomain() + "; revoke it and issue a new join token to move it");
        }
        HostStatus status = existing == null || existing.status() == HostStatus.Down ? HostStatus.Up : existing.status();
        Host host = new Host(registration.name(), registration.capacity(), registration.faultDomain(), status, clock.millis(),
                PrivateNetworkPlan.requireValidTunnelAddress(registration.name(), registration.networkAddress()), registration.address());
        state.commit(new ChangeSet().put(host));
        log.info("host {} joined: fault domain {}, {} cores, {} MiB, endpoints on {}", host.name(), host.faultDomain(), host.capacity().cores(),
                host.capacity().memoryMiB(), host.endpointAddress());
        return host;
    }

    /**
     * Records what the host observes and answers with its assignments when they changed since
     * {@code knownAssignmentsVersion}, or when the host still runs something not assigned to it (so fencing is
     * retried until it took); empty otherwise: nothing to send.
     *
     * @throws HostNotAdmitted when the token is wrong or revoked, or the host never registered
     */
    public synchronized Optional<AssignmentSet> heartbeat(String hostName, String joinToken, List<ObservedInstance> instances, long knownAssignmentsVersion) {
        requireServingHosts();
        admit(hostName, joinToken);
        if (instances == null) throw new IllegalArgumentException("heartbeat from '" + hostName + "' has no instance list; send an empty list when nothing runs");
        if (!state.hosts.containsKey(hostName)) throw new HostNotAdmitted("host '" + hostName + "' has not registered; register before sending heartbeats");
        state.heard(hostName, clock.millis());
        Map<String, ObservedInstance> byKey = new HashMap<>(instances.size() * 2);
        for (ObservedInstance o : instances) byKey.put(o.key(), o);
        Map<String, ObservedInstance> before = observed.put(hostName, byKey);
        // a host's first beat to this leader may differ from what the previous leader stored
        if (shareReports && (!byKey.equals(before) || !knownVersions.containsKey(hostName))) reportsChanged.add(hostName);
        knownVersions.put(hostName, knownAssignmentsVersion);
        long version = state.assignmentVersion(hostName);
        boolean strays = state.runsStrays(hostName, instances);
        if (version == knownAssignmentsVersion && !strays && !holding.contains(hostName)) return Optional.empty();
        List<Assignment> wanted = state.assignmentsFor(hostName);
        List<Assignment> send = RotationHold.toSend(hostName, state.hosts.get(hostName).endpointAddress(), wanted, lastSent.getOrDefault(hostName, List.of()), byKey, serving);
        if (send.equals(wanted)) holding.remove(hostName);
        else holding.add(hostName);
        if (version == knownAssignmentsVersion && !strays && send.equals(lastSent.get(hostName))) return Optional.empty();
        lastSent.put(hostName, send);
        return Optional.of(new AssignmentSet(version, send));
    }

    /**
     * From now on a host is told to stop or reimage a serving VM only once {@code balancer} says it no longer serves
     * that copy (see {@link RotationHold}); until then the host keeps its last assignment for it.
     */
    public synchronized void holdStopsWhile(RotationHold.Serving balancer) {
        serving = balancer;
    }

    /** Checks a host's token without recording a heartbeat (image downloads, for instance). */
    public synchronized void requireAdmitted(String hostName, String joinToken) {
        admit(hostName, joinToken);
    }

    private void admit(String hostName, String joinToken) {
        JoinToken known = state.tokens.get(hostName);
        boolean ok = known != null && joinToken != null
                && MessageDigest.isEqual(known.sha256().getBytes(StandardCharsets.US_ASCII), sha256(joinToken).getBytes(StandardCharsets.US_ASCII));
        if (!ok) throw new HostNotAdmitted("host '" + hostName + "' is not admitted: its join token is unknown or revoked; ask the operator for a new one");
    }

    /** Draining places nothing new on a host and moves its instances away, one per role at a time; {@code false} takes it back. */
    public synchronized Host drainHost(String hostName, boolean draining) {
        catchUp();
        Host h = state.hosts.get(hostName);
        if (h == null) throw new NoSuchTarget("no host named '" + hostName + "'");
        if (h.status() == HostStatus.Down) throw new RequestConflict("host '" + hostName + "' is down; drain it once it beats again");
        Host next = h.withStatus(draining ? HostStatus.Draining : HostStatus.Up);
        state.commit(new ChangeSet().put(next));
        return next;
    }

    public synchronized List<Host> listHosts() {
        catchUp();
        List<Host> out = new ArrayList<>(state.hosts.values());
        out.sort(Comparator.comparing(Host::name));
        return out;
    }

    // ---- API -----------------------------------------------------------------------------------------------

    /** Accepts a new deployment; its instances are placed by the next passes. */
    public Operation createDeployment(Deployment deployment) {
        return createDeployment(deployment, List.of());
    }

    /**
     * As {@link #createDeployment(Deployment)}, with the caller's own writes (the slot the deployment fills, say) in the
     * same store transaction: when one of them meets another revision than it expects, nothing is created and the
     * store's {@code RevisionConflict} reaches the caller.
     */
    public synchronized Operation createDeployment(Deployment deployment, List<Write> alongside) {
        catchUp();
        if (deployment.deleting()) throw new IllegalArgumentException("deployment '" + deployment.id() + "' is marked for deletion; create it with deleting=false");
        if (state.deployments.containsKey(deployment.id())) throw new RequestConflict("deployment '" + deployment.id() + "' already exists; pick another id or delete it first");
        Operation op = newOperation(OperationKind.CreateDeployment, deployment.id(), null, null, 0);
        state.commit(new ChangeSet().put(deployment).put(op).alongside(alongside));
        return op;
    }

    /** Stops every instance of the deployment, then removes it. */
    public Operation deleteDeployment(String deploymentId) {
        return deleteDeployment(deploymentId, List.of());
    }

    /** As {@link #deleteDeployment(String)}, with the caller's own writes in the same store transaction (all or none). */
    public synchronized Operation deleteDeployment(String deploymentId, List<Write> alongside) {
        catchUp();
        Deployment d = deployment(deploymentId);
        Operation op = newOperation(OperationKind.DeleteDeployment, deploymentId, null, null, 0);
        state.commit(new ChangeSet().put(d.markedForDeletion()).put(op).alongside(alongside));
        return op;
    }

    /**
     * Starts a rolling upgrade to {@code targetRoles} (the same role names and counts): update domain by domain, each
     * instance reimaged onto its new spec; {@code Manual} waits for {@link #walk} before each domain.
     */
    public Operation upgrade(String deploymentId, List<RoleSpec> targetRoles, UpgradeMode mode) {
        return upgrade(deploymentId, targetRoles, mode, List.of());
    }

    /** As {@link #upgrade(String, List, UpgradeMode)}, with the caller's own writes in the same store transaction (all or none). */
    public synchronized Operation upgrade(String deploymentId, List<RoleSpec> targetRoles, UpgradeMode mode, List<Write> alongside) {
        catchUp();
        Deployment d = liveDeployment(deploymentId);
        if (d.upgrade() != null) {
            throw new RequestConflict("deployment '" + deploymentId + "' is already " + describe(d.upgrade())
                    + "; walk it to the end or roll it back (./vmrole upgrade SERVICE --rollback) first");
        }
        List<String> have = d.roles().stream().map(RoleSpec::name).sorted().toList();
        List<String> want = targetRoles.stream().map(RoleSpec::name).sorted().toList();
        if (!have.equals(want)) {
            throw new IllegalArgumentException("the new version has roles " + want + " but deployment '" + deploymentId + "' runs " + have
                    + "; an upgrade keeps the role names (deploy to the staging slot to change them)");
        }
        for (RoleSpec r : targetRoles) {
            int count = d.role(r.name()).orElseThrow().instanceCount();
            if (r.instanceCount() != count) {
                throw new IllegalArgumentException("role '" + r.name() + "' has " + count + " instances and the new version asks for " + r.instanceCount()
                        + "; an upgrade keeps instance counts: give Instances count=\"" + count + "\", then scale after the upgrade");
            }
        }
        Operation op = newOperation(OperationKind.UpgradeDeployment, deploymentId, null, null, d.version() + 1);
        Upgrade u = Upgrade.start(d.version() + 1, mode, targetRoles, d.usedUpdateDomains(), op.id());
        state.commit(new ChangeSet().put(d.withUpgrade(u)).put(op).alongside(alongside));
        return op;
    }

    /** Permits a manual upgrade to walk {@code domain}, which must be the next one. */
    public synchronized Operation walk(String deploymentId, int domain) {
        catchUp();
        Deployment d = liveDeployment(deploymentId);
        Upgrade u = d.upgrade();
        if (u == null) throw new RequestConflict("deployment '" + deploymentId + "' has no upgrade under way; start one with ./vmrole upgrade");
        if (u.mode() != UpgradeMode.Manual) throw new RequestConflict("deployment '" + deploymentId + "' is " + describe(u) + " in auto mode; it walks by itself");
        if (u.state() != UpgradeState.Waiting) throw new RequestConflict("deployment '" + deploymentId + "' is " + describe(u) + "; wait for it, or roll it back");
        if (u.nextDomain() != domain) {
            throw new IllegalArgumentException("update domain " + domain + " is not next: walked " + u.walkedDomains() + ", next is " + u.nextDomain());
        }
        Operation op = newOperation(OperationKind.WalkUpgradeDomain, deploymentId, null, null, domain);
        state.commit(new ChangeSet().put(d.withUpgrade(u.permitted(domain, op.id()))).put(op));
        return op;
    }

    /** Returns the walked update domains to the version before the upgrade, newest first; a failed walk may be rolled back too. */
    public synchronized Operation rollback(String deploymentId) {
        catchUp();
        Deployment d = liveDeployment(deploymentId);
        if (d.upgrade() == null) throw new RequestConflict("deployment '" + deploymentId + "' has no upgrade to roll back");
        Operation op = newOperation(OperationKind.RollbackUpgrade, deploymentId, null, null, d.version());
        ChangeSet changes = new ChangeSet().put(d.rollingBack(op.id())).put(op);
        Operation before = state.operations.get(d.upgrade().operationId());
        if (before != null && before.inProgress()) changes.put(before.failed("rolled back by " + op.id(), clock.millis()));
        state.commit(changes);
        return op;
    }

    private static String describe(Upgrade u) {
        String what = (u.rollback() ? "rolling back to version " : "upgrading to version ") + u.targetVersion();
        return u.state() == UpgradeState.Failed ? what + " (stopped: " + u.reason() + ")" : what;
    }

    /** Sets a role's instance count; scale-in removes the highest indexes. */
    public Operation scale(String deploymentId, String role, int instanceCount) {
        return scale(deploymentId, role, instanceCount, List.of());
    }

    /** As {@link #scale(String, String, int)}, with the caller's own writes in the same store transaction (all or none). */
    public synchronized Operation scale(String deploymentId, String role, int instanceCount, List<Write> alongside) {
        catchUp();
        Deployment d = liveDeployment(deploymentId);
        if (d.upgrade() != null) throw new RequestConflict("deployment '" + deploymentId + "' is " + describe(d.upgrade()) + "; scale it once the upgrade is done");
        if (instanceCount < 0 || instanceCount > RoleSpec.MAX_INSTANCES) throw new IllegalArgumentException("instance count " + instanceCount + " must be between 0 and " + RoleSpec.MAX_INSTANCES);
        Deployment next = d.withInstanceCount(role, instanceCount);
        Operation op = newOperation(OperationKind.ScaleRole, deploymentId, role, null, instanceCount);
        state.commit(new ChangeSet().put(next).put(op).alongside(alongside));
        return op;
    }

    /** Resets one instance's VM, keeping its overlay. */
    public synchronized Operation reboot(String deploymentId, String instanceName) {
        catchUp();
        RoleInstance ri = instance(deploymentId, instanceName);
        RoleInstance next = ri.nextRebootGeneration(clock.millis(), "reboot requested");
        Operation op = newOperation(OperationKind.RebootInstance, deploymentId, ri.name().role(), ri.name().toString(), next.rebootGeneration());
        state.commit(new ChangeSet().put(next).put(op));
        return op;
    }

    /** Starts one instance afresh from its image (a new incarnation on the same host). */
    public synchronized Operation reimage(String deploymentId, String instanceName) {
        catchUp();
        RoleInstance ri = instance(deploymentId, instanceName);
        RoleInstance next = ri.hasHost() ? ri.nextIncarnation(clock.millis(), "reimage requested") : ri;
        Operation op = newOperation(OperationKind.ReimageInstance, deploymentId, ri.name().role(), ri.name().toString(), next.incarnation());
        state.commit(new ChangeSet().put(next).put(op));
        return op;
    }

    public synchronized Optional<Operation> getOperation(String operationId) {
        catchUp();
        return Optional.ofNullable(state.operations.get(operationId));
    }

    /** Every operation the store still holds, oldest first. */
    public synchronized List<Operation> listOperations() {
        catchUp();
        List<Operation> out = new ArrayList<>(state.operations.values());
        out.sort(Comparator.comparingLong(Operation::startedMillis).thenComparing(Operation.BY_ID_AGE));
        return out;
    }

    public synchronized Optional<Deployment> getDeployment(String deploymentId) {
        catchUp();
        return Optional.ofNullable(state.deployments.get(deploymentId));
    }

    public synchronized List<Deployment> listDeployments() {
        catchUp();
        List<Deployment> out = new ArrayList<>(state.deployments.values());
        out.sort(Comparator.comparing(Deployment::id));
        return out;
    }

    /** The deployment's instances as people see them, by role and index. */
    public synchronized List<InstanceView> listInstances(String deploymentId) {
        catchUp();
        deployment(deploymentId);
        List<RoleInstance> mine = new ArrayList<>();
        for (RoleInstance ri : state.instances.values()) if (ri.deploymentId().equals(deploymentId)) mine.add(ri);
        mine.sort(Comparator.comparing(RoleInstance::name));
        List<InstanceView> out = new ArrayList<>(mine.size());
        // what hosts report reaches the leader only: a replica that does not lead says so rather than show a stale state
        String notHeardHere = leads.getAsBoolean() ? null : "this replica does not lead: what hosts report is known to the leader ("
                + leaderOrNone() + ")";
        for (RoleInstance ri : mine) {
            Host h = ri.host() == null ? null : state.hosts.get(ri.host());
            Map<String, ObservedInstance> onHost = ri.host() == null ? null : reported(ri.host(), notHeardHere == null);
            InstanceView view = InstanceView.of(ri, h == null ? null : h.status(), onHost == null ? null : onHost.get(ri.key()));
            boolean stale = notHeardHere != null && ri.hasHost() && !ri.retiring() && onHost == null && view.state() == org.vmrole.model.RoleState.CreatingVM;
            out.add(stale ? view.unknownHere(notHeardHere) : view);
        }
        return out;
    }

    /** Stores the reports that changed since the last pass, for the replicas that do not lead: one commit, not one per beat. */
    private void storeReports() {
        if (reportsChanged.isEmpty()) return;
        ChangeSet set = new ChangeSet();
        for (String host : reportsChanged) {
            Map<String, ObservedInstance> heard = observed.get(host);
            if (heard == null || !state.hosts.containsKey(host)) continue;
            HostReport report = HostReport.of(host, heard);
            if (!report.equals(state.reports.get(host))) set.put(report);
        }
        try {
            state.commit(set);
            reportsChanged.clear();
        } catch (RuntimeException e) {
            // the next pass tries again; what hosts report is for display on the other replicas, never for decisions
            log.debug("could not store {} host reports: {}", set.changes.size(), e.toString());
        }
    }

    /**
     * What {@code host} reports of its instances: as heard here while this replica leads (or as the last leader stored it,
     * until the host's first heartbeat here), as the leader stored it otherwise; null when nothing is known.
     */
    private Map<String, ObservedInstance> reported(String host, boolean leading) {
        Map<String, ObservedInstance> heard = leading ? observed.get(host) : null;
        if (heard != null) return heard;
        HostReport stored = state.reports.get(host);
        return stored == null ? null : stored.byKey();
    }

    /**
     * The old copies still running while their instances move make-before-break, as people see them: host, fault
     * domain and incarnation are the copy's; {@code StoppingRole} once released (out of rotation, draining).
     */
    public synchronized List<InstanceView> listHandoverCopies(String deploymentId) {
        catchUp();
        deployment(deploymentId);
        List<InstanceView> out = new ArrayList<>();
        for (RoleInstance ri : state.instances.values()) {
            if (!ri.deploymentId().equals(deploymentId) || ri.handover() == null) continue;
            String copyHost = ri.handover().host();
            Host h = state.hosts.get(copyHost);
            Map<String, ObservedInstance> onHost = reported(copyHost, leads.getAsBoolean());
            out.add(InstanceView.ofHandoverCopy(ri, h == null ? null : h.status(), onHost == null ? null : onHost.get(ri.key())));
        }
        out.sort(Comparator.comparing(InstanceView::instance));
        return out;
    }

    // ---- reconciling ---------------------------------------------------------------------------------------

    /**
     * Calls {@code listener} (on the reconciling thread: it must not block) with each host the controller declares
     * down and the drives its instances wrote: their leases are to be broken.
     */
    public void onHostFenced(java.util.function.Consumer<FencedHost> listener) {
        fenceListeners.add(listener);
    }

    /** Runs one reconcile pass and persists its outcome; returns the actions taken. */
    public synchronized List<Action> reconcileOnce() {
        if (reloadPending) {
            reload();
            reloadPending = false;
        }
        catchUp();
        long now = clock.millis();
        DesiredState desired = new DesiredState(java.util.Collections.unmodifiableMap(state.deployments),
                java.util.Collections.unmodifiableMap(state.instances), java.util.Collections.unmodifiableMap(grace.judge(state.hosts, now)),
                java.util.Collections.unmodifiableMap(state.operations));
        // a host not heard since this controller started has confirmed nothing yet
        java.util.Set<String> behind = new java.util.HashSet<>();
        for (String h : state.hosts.keySet()) {
            Long known = knownVersions.get(h);
            if (known == null || known != state.assignmentVersion(h)) behind.add(h);
        }
        List<Action> actions = reconciler.reconcile(desired, new ObservedState(java.util.Collections.unmodifiableMap(observed), behind), now);
        List<FencedHost> fenced = new ArrayList<>();
        for (Action a : actions) {
            if (a instanceof org.vmrole.fabric.reconcile.MarkHostDown m) fenced.add(FencedHost.of(m.host().name(), state.instances.values(), state.deployments));
        }
        executor.execute(actions);
        storeReports();
        forgetExpiredOperations(now);
        for (FencedHost f : fenced) {
            for (var l : fenceListeners) {
                try {
                    l.accept(f);
                } catch (RuntimeException e) {
                    log.warn("a listener for fenced host {} failed", f.host(), e);
                }
            }
        }
        for (Action a : actions) {
            switch (a) {
                case org.vmrole.fabric.reconcile.MarkHostDown m -> log.info("host {} is down: {}", m.host().name(), m.cause());
                case org.vmrole.fabric.reconcile.MarkHostUp m -> log.info("host {} is up: {}", m.host().name(), m.cause());
                default -> log.debug("{}: {}", a.getClass().getSimpleName(), a.cause());
            }
        }
        return actions;
    }

    /**
     * Finished operations are forgotten by the leader's reconcile passes as {@code retention} says (once a minute);
     * {@code alongside} gives, for the ids forgotten, writes of the caller's own to commit with them (its records of
     * who owns each operation).
     */
    public synchronized void retainOperations(OperationRetention retention, java.util.function.Function<List<String>, List<Write>> alongside) {
        this.retention = retention;
        this.forgottenAlongside = alongside;
        this.retentionCheckedMillis = Long.MIN_VALUE;
    }

    private void forgetExpiredOperations(long now) {
        if (now - retentionCheckedMillis < RETENTION_EVERY_MILLIS && retentionCheckedMillis != Long.MIN_VALUE) return;
        retentionCheckedMillis = now;
        List<Operation> expired = retention.expired(state.operations.values(), state.deployments.values(), now);
        if (expired.isEmpty()) return;
        List<String> ids = expired.stream().map(Operation::id).toList();
        ChangeSet set = new ChangeSet();
        for (Operation op : expired) set.delete(StateCodec.key(op));
        set.alongside(forgottenAlongside.apply(ids));
        try {
            state.commit(set);
        } catch (RuntimeException e) {
            // the pass's own work is done; forgetting waits for the next check
            log.warn("could not forget {} finished operations: {}", ids.size(), e.getMessage());
            return;
        }
        log.info("forgot {} finished operations ({} .. {}): kept are those of the last {} and the newest {} of each deployment",
                ids.size(), ids.getFirst(), ids.getLast(), retention.keepFinished(), retention.keepPerDeployment());
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private Operation newOperation(OperationKind kind, String deploymentId, String role, String instance, long goal) {
        return Operation.started("op-" + (state.revision() + 1), kind, deploymentId, role, instance, goal, clock.millis());
    }

    private Deployment deployment(String id) {
        Deployment d = state.deployments.get(id);
        if (d == null) throw new NoSuchTarget("no deployment '" + id + "'");
        return d;
    }

    private Deployment liveDeployment(String id) {
        Deployment d = deployment(id);
        if (d.deleting()) throw new RequestConflict("deployment '" + id + "' is being deleted");
        return d;
    }

    private RoleInstance instance(String deploymentId, String instanceName) {
        liveDeployment(deploymentId);
        InstanceName name = InstanceName.parse(instanceName);
        RoleInstance ri = state.instances.get(RoleInstance.key(deploymentId, name));
        if (ri == null || ri.retiring()) throw new NoSuchTarget("deployment '" + deploymentId + "' has no instance " + instanceName);
        return ri;
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
