package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.OperationStatus;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.reconcile.StartInstance;
import org.vmrole.fabric.store.InMemoryStore;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.fabric.store.Store;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.host.sim.SimulatedDriver;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.host.NetworkPeer;
import org.vmrole.model.host.PeerHost;
import org.vmrole.model.host.PrivateNetwork;

class FabricControllerTest {
    private final SimulatedClock clock = new SimulatedClock();
    private final List<SimulatedHost> hosts = new ArrayList<>();
    private Store store = new InMemoryStore();
    private FabricController controller = new FabricController(store, clock, HealingPolicy.DEFAULT);

    private SimulatedHost host(String name, int faultDomain) {
        SimulatedHost h = new SimulatedHost(name, faultDomain, new HostCapacity(4, 16384, 2000), clock, SimulatedDriver.Timings.instant());
        h.join(controller);
        hosts.add(h);
        return h;
    }

    private static Deployment deployment(String id, int count) {
        return new Deployment(id, "contoso", "production", 5,
                List.of(new RoleSpec("WebVM", VmSize.Small, count, "sha256:0123", Map.of("Greeting", "hi"), List.of(), List.of())), false);
    }

    private void tick() {
        SimulatedHost.tick(clock, hosts, controller);
    }

    private void ticks(int n) {
        for (int i = 0; i < n; i++) tick();
    }

    private List<InstanceView> instances(String deploymentId) {
        return controller.listInstances(deploymentId);
    }

    @Test
    void refuses_a_host_without_a_valid_join_token() {
        SimulatedHost known = host("h1", 0);
        HostRegistration stranger = new HostRegistration("h2", new HostCapacity(4, 8192, 100), 1);
        assertThatThrownBy(() -> controller.registerHost("made-up", stranger)).isInstanceOf(HostNotAdmitted.class).hasMessageContaining("'h2' is not admitted");
        assertThatThrownBy(() -> controller.heartbeat("h1", "wrong", List.of(), -1)).isInstanceOf(HostNotAdmitted.class);
        assertThatThrownBy(() -> controller.registerHost(known.token(), stranger)).isInstanceOf(HostNotAdmitted.class);
        controller.revokeHost("h1");
        assertThatThrownBy(() -> controller.heartbeat("h1", known.token(), List.of(), -1)).isInstanceOf(HostNotAdmitted.class);
    }

    @Test
    void deploys_instances_that_become_ready_across_fault_domains() {
        host("h1", 0);
        host("h2", 1);
        var op = controller.createDeployment(deployment("d1", 2));
        ticks(3);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(instances("d1")).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
        assertThat(instances("d1")).extracting(InstanceView::faultDomain).containsExactlyInAnyOrder(0, 1);
        assertThat(instances("d1")).extracting(InstanceView::updateDomain).containsExactly(0, 1);
    }

    @Test
    void sends_assignments_only_when_they_changed() {
        SimulatedHost h = host("h1", 0);
        controller.createDeployment(deployment("d1", 1));
        assertThat(h.beat(controller)).isTrue();
        controller.reconcileOnce();
        assertThat(h.beat(controller)).isTrue();
        assertThat(h.beat(controller)).isFalse();
        assertThat(h.beat(controller)).isFalse();
        controller.scale("d1", "WebVM", 2);
        controller.reconcileOnce();
        assertThat(h.beat(controller)).isTrue();
    }

    @Test
    void gives_a_deployment_with_internal_endpoints_a_private_network_that_follows_its_instances() {
        SimulatedHost h1 = networkedHost("h1", 0, "127.0.0.1:7401");
        SimulatedHost h2 = networkedHost("h2", 1, "127.0.0.1:7402");
        InternalBinding peer = new InternalBinding("Peer", "tcp", 8080);
        controller.createDeployment(new Deployment("d1", "contoso", "production", 5,
                List.of(new RoleSpec("WebVM", VmSize.Small, 2, "sha256:0123", Map.of(), List.of(), List.of(), List.of(peer)),
                        new RoleSpec("Worker", VmSize.Small, 1, "sha256:0123", Map.of(), List.of(), List.of())), false));
        ticks(3);

        PrivateNetwork web0 = networkOf("d1/WebVM_IN_0");
        PrivateNetwork web1 = networkOf("d1/WebVM_IN_1");
        assertThat(web0.address()).isEqualTo("10.128.0.10");
        assertThat(web1.address()).isEqualTo("10.128.0.11");
        assertThat(networkOf("d1/Worker_IN_0").address()).isEqualTo("10.130.0.10");
        assertThat(web0.instances()).extracting(NetworkPeer::instanceId, NetworkPeer::address)
                .containsExactly(tuple("WebVM_IN_0", "10.128.0.10"), tuple("WebVM_IN_1", "10.128.0.11"), tuple("Worker_IN_0", "10.130.0.10"));
        assertThat(web0.instances().get(1).endpoints()).containsExactly(peer);
        assertThat(web0.instances().get(2).endpoints()).isEmpty();
        assertThat(web0.key()).isEqualTo(web1.key()).hasSize(64);
        assertThat(web0.toString()).doesNotContain(web0.key());
        String hostOf0 = controller.listInstances("d1").stream().filter(v -> v.instance().equals("WebVM_IN_0")).findFirst().orElseThrow().host();
        String other = hostOf0.equals("h1") ? "h2" : "h1";
        assertThat(web0.hosts()).extracting(PeerHost::host).containsExactly(other);

        controller.scale("d1", "WebVM", 3);
        ticks(3);
        assertThat(networkOf("d1/WebVM_IN_0").instances()).extracting(NetworkPeer::instanceId).contains("WebVM_IN_2");
        assertThat(h1.driver().assignment("d1/WebVM_IN_0").or(() -> h2.driver().assignment("d1/WebVM_IN_0")).orElseThrow().incarnation())
                .as("a topology change reaches the running instance without a reimage").isEqualTo(1);

        controller.createDeployment(deployment("d2", 1));
        ticks(3);
        assertThat(h1.driver().assignment("d2/WebVM_IN_0").or(() -> h2.driver().assignment("d2/WebVM_IN_0")).orElseThrow().network())
                .as("no internal endpoints, no private network").isNull();
    }

    private SimulatedHost networkedHost(String name, int faultDomain, String networkAddress) {
        SimulatedHost h = new SimulatedHost(name, faultDomain, new HostCapacity(4, 16384, 2000), clock, SimulatedDriver.Timings.instant());
        h.networkAddress = networkAddress;
        h.join(controller);
        hosts.add(h);
        return h;
    }

    private PrivateNetwork networkOf(String key) {
        for (SimulatedHost h : hosts) {
            var a = h.driver().assignment(key);
            if (a.isPresent()) return a.get().network();
        }
        throw new AssertionError("no host runs " + key);
    }

    @Test
    void heals_a_crashed_vm_with_a_higher_incarnation_on_the_same_host() {
        SimulatedHost h = host("h1", 0);
        controller.createDeployment(deployment("d1", 1));
        ticks(3);
        h.driver().crash("d1/WebVM_IN_0");
        ticks(3);
        InstanceView view = instances("d1").get(0);
        assertThat(view.state()).isEqualTo(RoleState.ReadyRole);
        assertThat(view.incarnation()).isEqualTo(2);
        assertThat(view.host()).isEqualTo("h1");
        assertThat(view.lastCause()).contains("VM exited");
    }

    @Test
    void moves_instances_off_a_silent_host_and_fences_them_when_it_returns() {
        host("a", 0);
        host("b", 1);
        host("c", 0);
        controller.createDeployment(deployment("d1", 2));
        ticks(3);
        String lost = instances("d1").get(0).host();
        SimulatedHost lostHost = hosts.stream().filter(x -> x.name.equals(lost)).findFirst().orElseThrow();
        lostHost.partitioned = true;
        ticks(6);
        assertThat(controller.listHosts()).filteredOn(x -> x.name().equals(lost)).extracting(x -> x.status()).containsExactly(HostStatus.Down);
        InstanceView moved = instances("d1").get(0);
        assertThat(moved.host()).isNotEqualTo(lost);
        assertThat(moved.incarnation()).isEqualTo(2);
        assertThat(moved.state()).isEqualTo(RoleState.ReadyRole);
        assertThat(lostHost.observe()).extracting(o -> o.key()).contains("d1/WebVM_IN_0");
        lostHost.partitioned = false;
        tick();
        assertThat(lostHost.observe()).noneMatch(o -> o.key().equals("d1/WebVM_IN_0"));
    }

    @Test
    void names_the_write_drives_of_a_host_it_fences_so_their_leases_can_be_broken() {
        host("a", 0);
        host("b", 1);
        var write = new org.vmrole.model.host.DriveAttachment("data", "http://s/acct/drives/data.vhd", "write", "acct", "", 1 << 20);
        var snapshot = new org.vmrole.model.host.DriveAttachment("base", "http://s/acct/drives/base.vhd", "snapshot", "acct", "", 1 << 20);
        controller.createDeployment(new Deployment("d1", "contoso", "production", 5, List.of(
                new RoleSpec("Writer", VmSize.Small, 1, "sha256:0123", Map.of(), List.of(), List.of(), List.of(), "", null, List.of(write, snapshot)),
                new RoleSpec("Web", VmSize.Small, 1, "sha256:0123", Map.of(), List.of(), List.of())), false));
        List<FencedHost> fenced = new ArrayList<>();
        controller.onHostFenced(fenced::add);
        ticks(3);
        String writerHost = instances("d1").stream().filter(i -> i.instance().startsWith("Writer")).findFirst().orElseThrow().host();

        hosts.stream().filter(x -> x.name.equals(writerHost)).findFirst().orElseThrow().partitioned = true;
        ticks(6);

        assertThat(fenced).containsExactly(new FencedHost(writerHost, List.of(write)));
    }

    @Test
    void finishes_reboot_and_reimage_operations() {
        host("h1", 0);
        controller.createDeployment(deployment("d1", 1));
        ticks(3);
        var reboot = controller.reboot("d1", "WebVM_IN_0");
        ticks(2);
        assertThat(controller.getOperation(reboot.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        var reimage = controller.reimage("d1", "WebVM_IN_0");
        ticks(2);
        assertThat(controller.getOperation(reimage.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(instances("d1").get(0).incarnation()).isEqualTo(2);
    }

    @Test
    void a_reimage_reaches_the_host_only_once_the_load_balancer_no_longer_serves_the_instance() {
        SimulatedHost h = host("h1", 0);
        java.util.concurrent.atomic.AtomicBoolean balancerServes = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<String> asked = new ArrayList<>();
        controller.holdStopsWhile((host, address, running) -> {
            asked.add(address + " " + running.key() + "#" + running.incarnation());
            return balancerServes.get();
        });
        controller.createDeployment(deployment("d1", 1));
        ticks(3);

        var reimage = controller.reimage("d1", "WebVM_IN_0");
        ticks(5);
        assertThat(h.observe()).singleElement().satisfies(o -> {
            assertThat(o.incarnation()).as("the serving VM is left alone").isEqualTo(1);
            assertThat(o.state()).isEqualTo(RoleState.ReadyRole);
        });
        assertThat(asked).contains("127.0.0.1 d1/WebVM_IN_0#1");

        balancerServes.set(false);
        ticks(3);
        assertThat(h.observe()).singleElement().satisfies(o -> assertThat(o.incarnation()).isEqualTo(2));
        assertThat(controller.getOperation(reimage.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
    }

    /** A stand-in for the load balancer that serves every copy until the test says otherwise. */
    private java.util.concurrent.atomic.AtomicBoolean balancerServingEveryCopy() {
        java.util.concurrent.atomic.AtomicBoolean serves = new java.util.concurrent.atomic.AtomicBoolean(true);
        controller.holdStopsWhile((host, address, running) -> serves.get());
        return serves;
    }

    @Test
    void a_scale_in_stops_the_vm_only_once_the_load_balancer_no_longer_serves_it() {
        SimulatedHost h = host("h1", 0);
        java.util.concurrent.atomic.AtomicBoolean balancerServes = balancerServingEveryCopy();
        controller.createDeployment(deployment("d1", 2));
        ticks(3);

        controller.scale("d1", "WebVM", 1);
        ticks(5);
        assertThat(h.observe()).hasSize(2);

        balancerServes.set(false);
        ticks(3);
        assertThat(h.observe()).extracting(o -> o.key()).containsExactly("d1/WebVM_IN_0");
    }

    @Test
    void draining_a_host_stops_its_vms_only_once_the_load_balancer_no_longer_serves_them() {
        SimulatedHost a = host("h1", 0);
        java.util.concurrent.atomic.AtomicBoolean balancerServes = balancerServingEveryCopy();
        controller.createDeployment(deployment("d1", 2));
        ticks(3);
        host("h2", 1);

        controller.drainHost("h1", true);
        ticks(8);
        assertThat(instances("d1")).extracting(InstanceView::host).containsOnly("h2");
        assertThat(a.observe()).as("the drained host's VMs still serve").hasSize(2)
                .allSatisfy(o -> assertThat(o.state()).isEqualTo(RoleState.ReadyRole));

        balancerServes.set(false);
        ticks(3);
        assertThat(a.observe()).isEmpty();
        assertThat(instances("d1")).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
    }

    @Test
    void deleting_a_deployment_stops_every_vm_and_removes_it() {
        SimulatedHost h = host("h1", 0);
        controller.createDeployment(deployment("d1", 3));
        ticks(3);
        var op = controller.deleteDeployment("d1");
        ticks(3);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(controller.getDeployment("d1")).isEmpty();
        assertThat(h.observe()).isEmpty();
    }

    @Test
    void says_why_a_deployment_waits() {
        host("h1", 0);
        var op = controller.createDeployment(new Deployment("d1", "contoso", "production", 5,
                List.of(new RoleSpec("Big", VmSize.ExtraLarge, 1, "sha256:0123", Map.of(), List.of(), List.of())), false));
        ticks(2);
        assertThat(controller.getOperation(op.id()).orElseThrow().progress()).isEqualTo("0 of 1 instances ready; Big_IN_0 waiting: needs 8 cores, largest free host has 4");
        assertThat(instances("d1").get(0).waitingReason()).isEqualTo("waiting: needs 8 cores, largest free host has 4");
    }

    @Test
    void a_deployment_whose_callers_write_meets_another_revision_is_not_created_and_one_that_fits_is_committed_with_it() {
        store.put("/api/services/contoso/web", "{\"production\":null}", Store.ABSENT);
        var stale = org.vmrole.fabric.store.Write.put("/api/services/contoso/web", "{\"production\":\"d1\"}", Store.ABSENT);
        assertThatThrownBy(() -> controller.createDeployment(deployment("d1", 1), List.of(stale))).isInstanceOf(org.vmrole.fabric.store.RevisionConflict.class);
        assertThat(controller.getDeployment("d1")).isEmpty();
        assertThat(store.list("deployments/")).isEmpty();

        long now = store.get("/api/services/contoso/web").orElseThrow().revision();
        controller.createDeployment(deployment("d1", 1), List.of(org.vmrole.fabric.store.Write.put("/api/services/contoso/web", "{\"production\":\"d1\"}", now)));
        assertThat(controller.getDeployment("d1")).isPresent();
        assertThat(store.get("/api/services/contoso/web").orElseThrow().value()).contains("d1");
    }

    @Test
    void refuses_bad_requests_with_a_clear_error() {
        controller.createDeployment(deployment("d1", 1));
        assertThatThrownBy(() -> controller.createDeployment(deployment("d1", 1))).isInstanceOf(RequestConflict.class).hasMessageContaining("already exists");
        assertThatThrownBy(() -> controller.scale("d1", "Nope", 2)).hasMessageContaining("has no role 'Nope'");
        assertThatThrownBy(() -> controller.reboot("d9", "WebVM_IN_0")).isInstanceOf(NoSuchTarget.class);
        assertThatThrownBy(() -> controller.reboot("d1", "WebVM-0")).hasMessageContaining("<Role>_IN_<n>");
    }

    @Test
    void picks_up_where_it_left_off_after_a_restart_on_the_same_store(@TempDir Path dir) {
        store = SqliteStore.open(dir.resolve("fabric.db"));
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
        host("h1", 0);
        host("h2", 1);
        var op = controller.createDeployment(deployment("d1", 4));
        tick();
        store.close();

        store = SqliteStore.open(dir.resolve("fabric.db"));
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
        assertThat(controller.reconcileOnce()).noneMatch(a -> a instanceof StartInstance);
        ticks(3);
        assertThat(instances("d1")).hasSize(4).allSatisfy(v -> {
            assertThat(v.state()).isEqualTo(RoleState.ReadyRole);
            assertThat(v.incarnation()).isEqualTo(1);
        });
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        long running = hosts.stream().mapToLong(h -> h.observe().size()).sum();
        assertThat(running).isEqualTo(4);
        store.close();
    }

    @Test
    void a_controller_slow_to_start_counts_its_hosts_grace_from_when_they_can_reach_it(@TempDir Path dir) {
        store = SqliteStore.open(dir.resolve("fabric.db"));
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
        host("h1", 0);
        controller.createDeployment(deployment("d1", 1));
        ticks(3);
        store.close();

        store = SqliteStore.open(dir.resolve("fabric.db"));
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
        // loading took longer than its hosts' startup grace, and no host could beat to it meanwhile
        clock.advance(StartupGrace.DEFAULT.plusSeconds(1));
        controller.hostsCanReachFromNow();
        assertThat(controller.reconcileOnce()).noneMatch(a -> a instanceof StartInstance);
        assertThat(controller.listHosts()).extracting(x -> x.status()).doesNotContain(HostStatus.Down);
        ticks(3);
        assertThat(instances("d1")).singleElement().satisfies(v -> assertThat(v.incarnation()).isEqualTo(1));
        store.close();
    }

    @Test
    void a_new_leader_whose_store_cannot_be_read_yet_reloads_at_its_next_pass_instead() {
        BoundedStore slow = new BoundedStore(store, 1_000);
        controller = new FabricController(slow, clock, HealingPolicy.DEFAULT);
        host("h1", 0);
        controller.createDeployment(deployment("d1", 1));
        controller.reloadAtNextPass();
        slow.failLists = 1;
        assertThatThrownBy(controller::reconcileOnce).isInstanceOf(org.vmrole.fabric.store.StoreUnavailable.class);
        ticks(3);
        assertThat(instances("d1")).singleElement().satisfies(v -> assertThat(v.state()).isEqualTo(RoleState.ReadyRole));
    }

    @Test
    void operations_started_in_the_same_millisecond_are_listed_in_the_order_they_started() {
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 12; i++) started.add(controller.createDeployment(deployment("d" + i, 1)).id());
        assertThat(started).contains("op-9", "op-10");
        assertThat(controller.listOperations()).extracting(o -> o.id()).containsExactlyElementsOf(started);
    }

    @Test
    void places_nothing_new_on_a_draining_host_and_moves_what_runs_there_away() {
        host("h1", 0);
        controller.createDeployment(deployment("d1", 1));
        ticks(2);
        host("h2", 1);
        controller.drainHost("h1", true);
        controller.scale("d1", "WebVM", 3);
        ticks(8);
        assertThat(instances("d1")).extracting(InstanceView::host).containsExactly("h2", "h2", "h2");
        assertThat(instances("d1")).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
    }

    @Test
    void sends_assignments_again_while_a_host_runs_something_not_assigned_to_it() {
        SimulatedHost h = host("h1", 0);
        long version = controller.heartbeat("h1", h.token(), List.of(), -1).orElseThrow().version();
        var stray = new org.vmrole.model.host.ObservedInstance("d9/WebVM_IN_0", 3, 0, RoleState.ReadyRole,
                org.vmrole.model.host.HealthCause.AGENT_READY, "", clock.millis());
        var answer = controller.heartbeat("h1", h.token(), List.of(stray), version);
        assertThat(answer).get().satisfies(set -> {
            assertThat(set.version()).isEqualTo(version);
            assertThat(set.assignments()).isEmpty();
        });
        assertThat(controller.heartbeat("h1", h.token(), List.of(), version)).isEmpty();
    }

    @Test
    void a_moving_instance_has_one_copy_at_a_time_on_its_private_network_the_old_until_the_new_is_ready() {
        SimulatedHost a = networkedHost("h1", 0, "127.0.0.1:7401");
        controller.createDeployment(new Deployment("d1", "contoso", "production", 5,
                List.of(new RoleSpec("WebVM", VmSize.Small, 2, "sha256:0123", Map.of(), List.of(), List.of(), List.of(new InternalBinding("Peer", "tcp", 8080)))),
                false));
        ticks(3);
        SimulatedHost b = networkedHost("h2", 1, "127.0.0.1:7402");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            tick();
            for (String key : List.of("d1/WebVM_IN_0", "d1/WebVM_IN_1")) {
                List<String> onNetwork = new ArrayList<>();
                for (SimulatedHost h : List.of(a, b)) {
                    h.assigned.stream().filter(x -> x.key().equals(key)).forEach(x -> {
                        seen.add(h.name + " " + key + (x.network().detached() ? " detached" : " attached"));
                        if (!x.network().detached()) onNetwork.add(h.name);
                    });
                }
                assertThat(onNetwork).as(key + " copies on the network after tick " + i).hasSizeLessThanOrEqualTo(1);
            }
        }
        assertThat(seen).as("the new copy waited off the network while the old one served").anyMatch(x -> x.startsWith("h2 ") && x.endsWith(" detached"));
        assertThat(java.util.stream.Stream.concat(a.assigned.stream(), b.assigned.stream())).as("once moved, every instance is on the network")
                .hasSize(2).noneMatch(x -> x.network().detached());
    }

    @Test
    void spreads_a_deployment_made_while_one_host_had_joined_keeping_two_ready_vms_at_every_step() {
        SimulatedHost a = host("h1", 0);
        controller.createDeployment(deployment("d1", 2));
        ticks(3);
        assertThat(instances("d1")).extracting(InstanceView::host).containsOnly("h1");
        SimulatedHost b = host("h2", 1);
        boolean handedOver = false;
        for (int i = 0; i < 12; i++) {
            tick();
            handedOver |= !controller.listHandoverCopies("d1").isEmpty();
            long ready = java.util.stream.Stream.concat(a.observe().stream(), b.observe().stream()).filter(o -> o.state() == RoleState.ReadyRole).count();
            assertThat(ready).as("ready VMs after tick " + i).isGreaterThanOrEqualTo(2);
        }
        assertThat(instances("d1")).extracting(InstanceView::host).containsExactlyInAnyOrder("h1", "h2");
        assertThat(handedOver).as("the old copy served while the new one started").isTrue();
        assertThat(controller.listHandoverCopies("d1")).isEmpty();
        assertThat(a.observe()).as("the old copy was stopped").hasSize(1);
    }

    @Test
    void a_replica_on_the_same_store_sees_what_another_committed_and_the_leader_acts_on_it() {
        host("h1", 0);
        host("h2", 1);
        FabricController follower = new FabricController(store, clock, HealingPolicy.DEFAULT);
        var op = follower.createDeployment(deployment("d1", 2));
        ticks(3);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(instances("d1")).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
        // the follower sees the leader's placement and scales on top of it without a conflict
        assertThat(follower.listInstances("d1")).extracting(InstanceView::host).containsExactlyInAnyOrder("h1", "h2");
        follower.scale("d1", "WebVM", 3);
        ticks(3);
        assertThat(instances("d1")).hasSize(3).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
        follower.deleteDeployment("d1");
        ticks(3);
        assertThat(controller.getDeployment("d1")).isEmpty();
    }

    @Test
    void the_leader_forgets_finished_operations_past_their_retention_with_the_records_that_go_with_them() {
        host("h1", 0);
        host("h2", 1);
        List<String> forgotten = new ArrayList<>();
        controller.retainOperations(new org.vmrole.fabric.reconcile.OperationRetention(java.time.Duration.ofDays(7), 2, 500), ids -> {
            forgotten.addAll(ids);
            return ids.stream().map(id -> org.vmrole.fabric.store.Write.delete("owners/" + id, Store.ANY)).toList();
        });
        List<String> ops = new ArrayList<>();
        ops.add(controller.createDeployment(deployment("d1", 1)).id());
        ticks(3);
        for (int count = 2; count <= 4; count++) {
            ops.add(controller.scale("d1", "WebVM", count).id());
            ticks(3);
        }
        for (String op : ops) store.put("owners/" + op, "contoso", Store.ANY);
        assertThat(controller.listOperations()).extracting(o -> o.status()).containsOnly(OperationStatus.Succeeded);

        // the next check (a minute on) keeps the newest two of the deployment
        clock.advance(java.time.Duration.ofMinutes(1));
        tick();
        assertThat(controller.listOperations()).extracting(o -> o.id()).containsExactly(ops.get(2), ops.get(3));
        assertThat(forgotten).containsExactly(ops.get(0), ops.get(1));
        assertThat(store.get("owners/" + ops.get(0))).isEmpty();
        assertThat(store.get("owners/" + ops.get(3))).isPresent();
        assertThat(new FabricController(store, clock, HealingPolicy.DEFAULT).listOperations()).hasSize(2);

        // a week later the rest go too
        clock.advance(java.time.Duration.ofDays(8));
        tick();
        assertThat(controller.listOperations()).isEmpty();
    }

    /** A store that takes at most {@code limit} writes per commit, as etcd does, and can fail every commit after the next {@code n}. */
    private static final class BoundedStore implements Store {
        final Store base;
        final int limit;
        int commits;
        int largest;
        int failAfter = Integer.MAX_VALUE;
        int failLists;

        BoundedStore(Store base, int limit) {
            this.base = base;
            this.limit = limit;
        }

        @Override
        public java.util.Optional<org.vmrole.fabric.store.StoredRecord> get(String key) {
            return base.get(key);
        }

        @Override
        public List<org.vmrole.fabric.store.StoredRecord> list(String prefix) {
            if (failLists > 0) {
                failLists--;
                throw new org.vmrole.fabric.store.StoreUnavailable("the store did not answer within 3 s", null);
            }
            return base.list(prefix);
        }

        @Override
        public List<org.vmrole.fabric.store.Change> changesSince(long revision) {
            return base.changesSince(revision);
        }

        @Override
        public long revision() {
            return base.revision();
        }

        @Override
        public void close() {
            base.close();
        }

        @Override
        public int maxWritesPerCommit() {
            return limit;
        }

        @Override
        public long commit(List<org.vmrole.fabric.store.Write> writes) {
            if (writes.size() > limit) throw new AssertionError("a commit of " + writes.size() + " writes, over the limit of " + limit);
            if (failAfter-- <= 0) throw new org.vmrole.fabric.store.StoreUnavailable("the controller died between two transactions", null);
            commits++;
            largest = Math.max(largest, writes.size());
            return base.commit(writes);
        }
    }

    private SimulatedHost bigHost(String name, int faultDomain) {
        SimulatedHost h = new SimulatedHost(name, faultDomain, new HostCapacity(64, 262144, 100_000), clock, SimulatedDriver.Timings.instant());
        h.join(controller);
        hosts.add(h);
        return h;
    }

    @Test
    void a_pass_larger_than_one_transaction_commits_in_bounded_ones_and_a_controller_dying_between_them_converges_with_one_copy_each() {
        BoundedStore bounded = new BoundedStore(new InMemoryStore(), 10);
        store = bounded;
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
        bigHost("h1", 0);
        bigHost("h2", 1);
        var op = controller.createDeployment(deployment("d1", 50));

        // the placing pass dies after three of its transactions: 30 of its 50 instances are in the store
        bounded.failAfter = 3;
        clock.advance(java.time.Duration.ofSeconds(1));
        assertThatThrownBy(controller::reconcileOnce).isInstanceOf(org.vmrole.fabric.store.StoreUnavailable.class);
        assertThat(store.list("instances/")).hasSize(30);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.InProgress);

        // another controller takes over from that prefix
        bounded.failAfter = Integer.MAX_VALUE;
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
        ticks(6);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(instances("d1")).hasSize(50).allSatisfy(i -> assertThat(i.state()).isEqualTo(RoleState.ReadyRole));
        Map<String, Long> copies = new java.util.HashMap<>();
        for (SimulatedHost h : hosts) {
            for (var o : h.observe()) if (o.state().mayBeLive()) copies.merge(o.key(), 1L, Long::sum);
        }
        assertThat(copies).hasSize(50).allSatisfy((key, n) -> assertThat(n).as("copies of %s", key).isEqualTo(1L));
        assertThat(bounded.largest).isLessThanOrEqualTo(10);
    }

    @Test
    void a_split_commit_removes_a_deployment_only_after_its_instances() {
        ChangeSet set = new ChangeSet();
        set.put(org.vmrole.fabric.model.Operation.started("op-1", org.vmrole.fabric.model.OperationKind.DeleteDeployment, "d1", null, null, 0, 0));
        set.delete(StateCodec.deploymentKey("d1"));
        set.delete("instances/d1/WebVM_IN_0");
        set.put(new org.vmrole.fabric.model.Host("h1", new HostCapacity(1, 1, 1), 0, HostStatus.Up, 0, null, null));
        assertThat(FabricState.commitOrder(set)).extracting(e -> e.getKey().substring(0, e.getKey().indexOf('/')))
                .containsExactly("instances", "hosts", "deployments", "operations");
    }

    /** Two instances of d1 ready on hosts h1 and h2, and a replica of the same store that does not lead. */
    private FabricController followerOfTwoReadyInstances() {
        host("h1", 0);
        host("h2", 1);
        controller.createDeployment(deployment("d1", 2));
        ticks(3);
        FabricController follower = new FabricController(store, clock, HealingPolicy.DEFAULT);
        follower.serveHostsOnlyWhenLeading(() -> false, () -> "10.0.0.1:8080");
        return follower;
    }

    @Test
    void a_replica_that_does_not_lead_shows_placed_instances_as_unknown_naming_the_leader_until_it_stored_their_reports() {
        // this leader never stores what hosts report, as a leader that has not yet heard them
        FabricController follower = followerOfTwoReadyInstances();
        assertThat(follower.listInstances("d1")).hasSize(2).allSatisfy(i -> {
            assertThat(i.state()).isEqualTo(RoleState.RoleStateUnknown);
            assertThat(i.host()).isNotNull();
            assertThat(i.message()).contains("does not lead").contains("10.0.0.1:8080");
        });
        assertThat(instances("d1")).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
    }

    @Test
    void a_replica_that_does_not_lead_shows_each_instance_as_its_host_last_reported_it_to_the_leader() {
        controller.serveHostsOnlyWhenLeading(() -> true, () -> "10.0.0.1:8080");
        FabricController follower = followerOfTwoReadyInstances();
        SimulatedHost h1 = hosts.stream().filter(h -> h.name.equals("h1")).findFirst().orElseThrow();
        assertThat(follower.listInstances("d1")).hasSize(2).allSatisfy(i -> {
            assertThat(i.state()).isEqualTo(RoleState.ReadyRole);
            assertThat(i.host()).isNotNull();
        });

        String onH1 = instances("d1").stream().filter(i -> i.host().equals("h1")).findFirst().orElseThrow().instance();
        h1.driver().crash("d1/" + onH1);
        ticks(3);
        assertThat(follower.listInstances("d1")).filteredOn(i -> i.instance().equals(onH1)).singleElement().satisfies(i -> {
            assertThat(i.incarnation()).isEqualTo(2);
            assertThat(i.state()).isEqualTo(RoleState.ReadyRole);
            assertThat(i.lastCause()).contains("VM exited");
        });
        assertThat(follower.listInstances("d1")).usingRecursiveFieldByFieldElementComparator().isEqualTo(instances("d1"));
    }
}
