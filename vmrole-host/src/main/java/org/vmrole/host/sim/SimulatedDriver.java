package org.vmrole.host.sim;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.vmrole.host.HypervisorDriver;
import org.vmrole.host.VmStartException;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedInstance;

/**
 * A driver without VMs, for controller tests and benchmarks only: instances boot on a clock the caller
 * moves, and failures (crash, panic, hung agent, failed start) happen when a script says so.
 *
 * <p>States are computed from a few timestamps when observed, so an instance costs a few dozen bytes
 * and no thread. Listeners hear about changes when {@link #observe()} computes them.
 */
public final class SimulatedDriver implements HypervisorDriver {

    /** How long the simulated phases take. */
    public record Timings(Duration bootToHello, Duration helloToReady, Duration agentTimeout) {
        /** Roughly what the sample image does under TCG: hello after 3 s, Ready after 5 s, silence noticed after 5 s. */
        public static Timings typical() {
            return new Timings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(5));
        }

        /** Everything at once: Ready as soon as started. */
        public static Timings instant() {
            return new Timings(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    private static final byte RUNNING = 0, CRASHED = 1, PANICKED = 2, SHUT_DOWN = 3, HUNG = 4, BUSY = 5;

    /** One simulated VM; mutable, guarded by its own monitor. */
    private static final class Vm {
        volatile Assignment assignment;
        long bootedAtMillis;
        long rebootGeneration;
        boolean rebooted;
        byte fault;
        long faultAtMillis;
        String message;
        byte lastState = -1;
        byte lastCause = -1;

        Vm(Assignment assignment, long now) {
            this.assignment = assignment;
            this.bootedAtMillis = now;
            this.rebootGeneration = assignment.rebootGeneration();
        }
    }

    private final InstantSource clock;
    private final Timings timings;
    private final Map<String, Vm> vms = new ConcurrentHashMap<>();
    private final Set<String> failNextStart = ConcurrentHashMap.newKeySet();
    private volatile Predicate<Assignment> failStarts = a -> false;
    private final List<Consumer<ObservedInstance>> listeners = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.LongAdder starts = new java.util.concurrent.atomic.LongAdder();

    public SimulatedDriver(InstantSource clock, Timings timings) {
        this.clock = clock;
        this.timings = timings;
    }

    public SimulatedDriver(InstantSource clock) {
        this(clock, Timings.typical());
    }

    // ---- the script -------------------------------------------------------------------------------

    /** The next start (or reimage) of this instance fails as a bad image would. */
    public void failNextStart(String key) {
        failNextStart.add(key);
    }

    /** Every start of a matching assignment fails until the predicate is replaced. */
    public void failStartsWhen(Predicate<Assignment> predicate) {
        failStarts = predicate;
    }

    /** The VM process dies now (as {@code kill -9} would). */
    public void crash(String key) {
        fault(key, CRASHED, "simulated: QEMU process exited");
    }

    /** The guest kernel panics now. */
    public void panic(String key) {
        fault(key, PANICKED, "simulated: guest kernel panic");
    }

    /** The guest powers itself off now. */
    public void shutDownGuest(String key) {
        fault(key, SHUT_DOWN, "simulated: guest powered off");
    }

    /** The guest agent stops sending heartbeats now; noticed after the agent timeout. */
    public void hangAgent(String key) {
        fault(key, HUNG, "simulated: no heartbeat");
    }

    /** The role reports {@code Busy} with this message. */
    public void busy(String key, String message) {
        fault(key, BUSY, message);
    }

    /** The role is healthy again (undoes {@link #busy} and {@link #hangAgent}). */
    public void recoverRole(String key) {
        Vm vm = vms.get(key);
        if (vm == null) return;
        synchronized (vm) {
            if (vm.fault == BUSY || vm.fault == HUNG) {
                vm.fault = RUNNING;
                vm.message = null;
            }
        }
    }

    /** How many starts (including reimages) were asked for: a benchmark's measure of work. */
    public long starts() {
        return starts.sum();
    }

    /** How many VMs the driver holds. */
    public int size() {
        return vms.size();
    }

    private void fault(String key, byte fault, String message) {
        Vm vm = vms.get(key);
        if (vm == null) throw new IllegalArgumentException("no simulated VM '" + key + "'");
        synchronized (vm) {
            if (isDead(vm)) return;
            vm.fault = fault;
            vm.faultAtMillis = clock.millis();
            vm.message = message;
        }
    }

    private static boolean isDead(Vm vm) {
        return vm.fault == CRASHED || vm.fault == PANICKED || vm.fault == SHUT_DOWN;
    }

    // ---- the driver -------------------------------------------------------------------------------

    @Override
    public void start(Assignment assignment) {
        starts.increment();
        if (failNextStart.remove(assignment.key()) || failStarts.test(assignment)) {
            throw new VmStartException("simulated: start of " + assignment.key() + " failed");
        }
        Vm vm = new Vm(assignment, clock.millis());
        vms.put(assignment.key(), vm);
    }

    @Override
    public void stop(String key) {
        vms.remove(key);
    }

    @Override
    public void kill(String key) {
        vms.remove(key);
    }

    @Override
    public void reboot(String key, long rebootGeneration) {
        Vm vm = vms.get(key);
        if (vm == null) throw new IllegalArgumentException("no simulated VM '" + key + "' to reboot");
        synchronized (vm) {
            vm.rebootGeneration = rebootGeneration;
            vm.bootedAtMillis = clock.millis();
            vm.rebooted = true;
            if (vm.fault != BUSY) {
                vm.fault = RUNNING;
                vm.message = null;
            }
        }
    }

    @Override
    public void reimage(Assignment assignment) {
        vms.remove(assignment.key());
        start(assignment);
    }

    /** The guest takes the change live: only the assignment (the environment it would read) changes. */
    @Override
    public void changeSettings(Assignment assignment) {
        Vm vm = vms.get(assignment.key());
        if (vm == null) throw new IllegalArgumentException("no VM " + assignment.key() + " on this host to change");
        vm.assignment = assignment;
    }

    @Override
    public List<ObservedInstance> observe() {
        long now = clock.millis();
        List<ObservedInstance> all = new ArrayList<>(vms.size());
        for (Vm vm : vms.values()) all.add(observe(vm, now));
        return all;
    }

    @Override
    public Optional<ObservedInstance> observe(String key) {
        Vm vm = vms.get(key);
        return vm == null ? Optional.empty() : Optional.of(observe(vm, clock.millis()));
    }

    @Override
    public Optional<Assignment> assignment(String key) {
        Vm vm = vms.get(key);
        return vm == null ? Optional.empty() : Optional.of(vm.assignment);
    }

    /** Simulated VMs have no NICs. */
    @Override
    public Optional<java.nio.file.Path> networkSocket(String key) {
        return Optional.empty();
    }

    /** Nothing outlives a simulated driver: there is nothing to recover. */
    @Override
    public List<Assignment> recover() {
        return List.of();
    }

    @Override
    public void addListener(Consumer<ObservedInstance> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }

    private ObservedInstance observe(Vm vm, long now) {
        ObservedInstance o;
        boolean changed;
        synchronized (vm) {
            o = compute(vm, now);
            byte s = (byte) o.state().ordinal(), c = (byte) o.cause().ordinal();
            changed = s != vm.lastState || c != vm.lastCause;
            vm.lastState = s;
            vm.lastCause = c;
        }
        if (changed) for (Consumer<ObservedInstance> l : listeners) l.accept(o);
        return o;
    }

    private ObservedInstance compute(Vm vm, long now) {
        switch (vm.fault) {
            case CRASHED -> { return of(vm, RoleState.StoppedVM, HealthCause.PROCESS_EXITED, vm.faultAtMillis); }
            case PANICKED -> { return of(vm, RoleState.StoppedVM, HealthCause.GUEST_PANICKED, vm.faultAtMillis); }
            case SHUT_DOWN -> { return of(vm, RoleState.StoppedVM, HealthCause.GUEST_SHUTDOWN, vm.faultAtMillis); }
            case HUNG -> {
                long silentAt = vm.faultAtMillis + timings.agentTimeout().toMillis();
                if (now >= silentAt) return of(vm, RoleState.UnresponsiveRole, HealthCause.AGENT_SILENT, silentAt);
                return bootPhase(vm, Math.min(now, vm.faultAtMillis));
            }
            default -> {
                ObservedInstance phase = bootPhase(vm, now);
                if (vm.fault == BUSY && phase.state() == RoleState.ReadyRole) {
                    return of(vm, RoleState.BusyRole, HealthCause.AGENT_BUSY, Math.max(vm.faultAtMillis, phase.sinceEpochMillis()));
                }
                return phase;
            }
        }
    }

    private ObservedInstance bootPhase(Vm vm, long now) {
        long hello = vm.bootedAtMillis + timings.bootToHello().toMillis();
        long ready = hello + timings.helloToReady().toMillis();
        if (now >= ready) return of(vm, RoleState.ReadyRole, HealthCause.AGENT_READY, ready);
        if (now >= hello) return of(vm, RoleState.StartingRole, HealthCause.AGENT_HELLO, hello);
        return vm.rebooted
                ? of(vm, RoleState.RestartingRole, HealthCause.GUEST_RESET, vm.bootedAtMillis)
                : of(vm, RoleState.StartingVM, HealthCause.STARTED, vm.bootedAtMillis);
    }

    private static ObservedInstance of(Vm vm, RoleState state, HealthCause cause, long since) {
        String message = vm.message == null ? "" : vm.message;
        Assignment a = vm.assignment;
        return new ObservedInstance(a.key(), a.incarnation(), vm.rebootGeneration, state, cause, message, since);
    }
}
