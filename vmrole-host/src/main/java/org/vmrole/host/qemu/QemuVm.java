package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.host.HealthTransitions;
import org.vmrole.host.ProbeJudge;
import org.vmrole.host.VmSignal;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HealthProbe;
import org.vmrole.model.host.ObservedInstance;

/**
 * One running QEMU process and the driver's connections to it (QMP, agent channel, console), turning
 * what they say into signals. The process is not a child of this JVM: it was daemonized so that it
 * outlives the host agent, and is watched through its pid and its QMP socket.
 */
final class QemuVm {
    private static final Logger log = LoggerFactory.getLogger(QemuVm.class);
    private static final int MAX_AGENT_LINE = 64 * 1024;

    final VmFiles files;
    final long pid;
    final List<Integer> hostPorts;
    private final InstantSource clock;
    private final Consumer<ObservedInstance> onChange;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private final AtomicBoolean exitSeen = new AtomicBoolean();
    private volatile Assignment assignment;
    private volatile ObservedInstance observed;
    private volatile QmpClient qmp;
    private volatile JsonLineChannel agent;
    private volatile ConsoleLog console;
    private volatile boolean agentHeard;
    /** A heartbeat since the last hello: until then the guest is still booting its role and has the boot timeout. */
    private volatile boolean heartbeatSeen;
    /** Any agent message in this VM's life: from then on the agent, not the probe, judges the role. */
    private volatile boolean agentEverHeard;
    private ProbeJudge probeJudge;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile CompletableFuture<Boolean> changeAck;
    private volatile long lastAgentMillis;
    private volatile long bootStartedMillis;
    /** {@link CpuWait} of the process when the agent last spoke and when the guest last booted. */
    private volatile CpuWait waitAtLastAgent = CpuWait.NONE;
    private volatile CpuWait waitAtBoot = CpuWait.NONE;
    /** Carries out a guest's {@code mount-drive} / {@code unmount-drive} and answers what the guest is told. */
    private volatile java.util.function.Function<JsonNode, Map<String, Object>> driveRequests = m -> Map.of();
    /** Set when the driver lets go or replaces the process: its end is then not news. */
    private volatile boolean detached;

    QemuVm(Assignment assignment, VmFiles files, long pid, List<Integer> hostPorts, InstantSource clock, Consumer<ObservedInstance> onChange) {
        this.assignment = assignment;
        this.files = files;
        this.pid = pid;
        this.hostPorts = List.copyOf(hostPorts);
        this.clock = clock;
        this.onChange = onChange;
        long now = clock.millis();
        this.observed = HealthTransitions.creating(assignment.key(), assignment.incarnation(), assignment.rebootGeneration(), now);
        this.bootStartedMillis = now;
        this.waitAtBoot = CpuWait.of(pid);
    }

    /** Connects to QMP, the agent channel and the console of a process that has just started or is re-adopted. */
    void attach(long consoleLogBytes, Duration qmpTimeout) throws IOException {
        qmp = QmpClient.connect(files.qmpSocket(), qmpTimeout);
        qmp.addEventListener(this::onEvent);
        qmp.closed().thenRun(() -> Thread.ofVirtual().start(this::awaitProcessEnd));
        agent = JsonLineChannel.open(files.agentSocket(), MAX_AGENT_LINE, this::onAgentMessage, () -> { });
        console = ConsoleLog.attach(files.consoleSocket(), files.consoleLog(), consoleLogBytes);
    }

    String key() {
        return assignment.key();
    }

    /** Who carries out the guest's drive requests (the driver, which holds the drives). */
    void onDriveRequest(java.util.function.Function<JsonNode, Map<String, Object>> handler) {
        driveRequests = handler;
    }

    Assignment assignment() {
        return assignment;
    }

    ObservedInstance observed() {
        return observed;
    }

    CompletableFuture<Void> exited() {
        return exited;
    }

    Optional<QmpClient> qmp() {
        return Optional.ofNullable(qmp);
    }

    boolean agentConnected() {
        JsonLineChannel a = agent;
        return a != null && a.isOpen() && agentHeard;
    }

    void sendToAgent(Map<String, Object> message) throws IOException {
        JsonLineChannel a = agent;
        if (a == null) throw new IOException("no agent channel");
        a.send(message);
    }

    /**
     * Takes the new assignment (its environment is what the next {@code hello} gets) and, when the agent listens,
     * sends {@code changing}, waits up to {@code ackTimeout} for {@code change-ack}, then sends {@code changed} unless
     * the guest asked to be restarted. Returns whether it asked.
     */
    boolean changeSettings(Assignment next, Duration ackTimeout) {
        assignment = next;
        if (!agentConnected()) return false;
        CompletableFuture<Boolean> ack = new CompletableFuture<>();
        changeAck = ack;
        try {
            sendToAgent(AgentEnvironment.change("changing", next));
            boolean restart = ack.completeOnTimeout(false, ackTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).join();
            if (!restart) sendToAgent(AgentEnvironment.change("changed", next));
            return restart;
        } catch (IOException e) {
            log.warn("{}: cannot deliver new settings to the agent ({}); it reads them at its next hello", key(), e.getMessage());
            return false;
        } finally {
            changeAck = null;
        }
    }

    /** A reboot was asked for with this generation. */
    void rebooting(long rebootGeneration) {
        Assignment a = assignment;
        assignment = a.withRebootGeneration(rebootGeneration);
        synchronized (this) {
            ObservedInstance o = observed;
            observed = new ObservedInstance(o.key(), o.incarnation(), rebootGeneration, o.state(), o.cause(), o.message(), o.sinceEpochMillis(), o.agent(), o.drives());
        }
    }

    /**
     * Marks a re-adopted VM: its agent is expected to be talking already (it says hello again on the new channel).
     * A role with a probe may have no agent: then it waits for a hello or its probe, like a booting one.
     */
    void readopted() {
        if (assignment.probe() == null) {
            agentHeard = true;
            heartbeatSeen = true;
        }
        lastAgentMillis = clock.millis();
        waitAtLastAgent = CpuWait.of(pid);
        signal(VmSignal.LAUNCHED, "re-adopted after a host agent restart");
    }

    void signal(VmSignal s, String message) {
        if (detached) return;
        ObservedInstance next;
        synchronized (this) {
            ObservedInstance current = observed;
            next = HealthTransitions.next(current, s, message, clock.millis());
            if (next == current) return;
            boolean sameState = next.state() == current.state() && next.cause() == current.cause();
            observed = next;
            if (sameState) return;
        }
        log.info("{}: {} ({}){}", next.key(), next.state(), next.cause(), next.message().isEmpty() ? "" : " " + next.message());
        onChange.accept(next);
    }

    /** Checks liveness and agent silence; called by the driver's watchdog a few times a second. */
    void check(Duration agentTimeout, Duration bootTimeout) {
        RoleState state = observed.state();
        if (state == RoleState.StoppedVM || state == RoleState.FailedStartingVM || detached) return;
        if (!alive()) {
            processEnded();
            return;
        }
        long now = clock.millis();
        HealthProbe probe = assignment.probe();
        CpuWait waited = CpuWait.of(pid);
        // time the guest waited for a host CPU does not count against it: only the time it could have run
        boolean booted = CpuWait.usableMillis(now - bootStartedMillis, waited.millisSince(waitAtBoot)) > bootTimeout.toMillis();
        if (agentHeard) {
            // a guest busy booting (TCG, several VMs per core) may take long between hello and its first heartbeat
            Duration limit = heartbeatSeen ? agentTimeout : bootTimeout;
            long silent = now - lastAgentMillis;
            long starved = waited.millisSince(waitAtLastAgent);
            if (CpuWait.usableMillis(silent, starved) > limit.toMillis()) {
                signal(VmSignal.AGENT_SILENT, "no heartbeat for " + silent / 1000 + " s"
                        + (starved >= 1000 ? " (" + starved / 1000 + " s of it waiting for a host CPU)" : ""));
            }
        } else if (probe != null && !agentEverHeard && (probe.fromBoot() || booted)) {
            probeIfDue(probe, now);
        } else if (booted) {
            signal(VmSignal.AGENT_SILENT, "no agent hello within " + bootTimeout.toSeconds() + " s of boot (not counting time waiting for a host CPU)");
        }
    }

    /**
     * An agentless instance is judged by its input endpoint's probe, run here through the forwarded port on a
     * virtual thread (the watchdog never waits on a guest).
     */
    private void probeIfDue(HealthProbe probe, long now) {
        ProbeJudge judge;
        synchronized (this) {
            if (probeJudge == null || !probeJudge.probe().equals(probe)) probeJudge = new ProbeJudge(probe);
            judge = probeJudge;
            if (!judge.due(now) || !probing.compareAndSet(false, true)) return;
            judge.attempted(now);
        }
        int port = hostPortFor(probe);
        Thread.ofVirtual().start(() -> {
            try {
                boolean passed = port > 0 && ProbeCall.passes(probe, port);
                if (agentEverHeard) return;
                java.util.Optional<VmSignal> s;
                synchronized (this) {
                    s = judge.record(passed, clock.millis());
                }
                s.ifPresent(signal -> signal(signal, (passed ? "probe passes: " : "probe fails: ") + probe.describe()));
            } finally {
                probing.set(false);
            }
        });
    }

    /** The host port forwarded to the probe's guest port (the first endpoint's when the probe names another). */
    private int hostPortFor(HealthProbe probe) {
        List<org.vmrole.model.host.EndpointBinding> endpoints = assignment.endpoints();
        for (int i = 0; i < endpoints.size() && i < hostPorts.size(); i++) {
            if (endpoints.get(i).guestPort() == probe.guestPort()) return hostPorts.get(i);
        }
        return hostPorts.isEmpty() ? 0 : hostPorts.get(0);
    }

    boolean alive() {
        return isRunning(pid, files);
    }

    /**
     * True until the process has fully exited. A dying process loses its command line (its memory) before
     * it closes its files and sockets, so an empty command line still counts as running; another
     * program's command line means the pid was reused.
     */
    static boolean isRunning(long pid, VmFiles files) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            if (close > 0 && close + 2 < stat.length()) {
                char state = stat.charAt(close + 2);
                if (state == 'Z' || state == 'X') return false;
            }
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String cmdline = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
            return cmdline.isEmpty() || (cmdline.contains("qemu-system") && cmdline.contains(files.qmpSocket().toString()));
        } catch (IOException e) {
            return false;
        }
    }

    /** True when {@code pid} is a QEMU process serving this VM's QMP socket (a reused pid is not ours). */
    static boolean isOurQemu(long pid, VmFiles files) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String cmdline = new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
            if (!cmdline.contains("qemu-system") || !cmdline.contains(files.qmpSocket().toString())) return false;
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // A zombie has exited; only its parent has yet to reap it.
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private void onEvent(QmpEvent e) {
        switch (e.name()) {
            case "GUEST_PANICKED" -> signal(VmSignal.GUEST_PANICKED, "guest kernel panic (pvpanic)");
            case "SHUTDOWN" -> {
                String reason = e.data().path("reason").asText("");
                if (reason.equals("guest-panic")) signal(VmSignal.GUEST_PANICKED, "guest kernel panic (pvpanic)");
                else if (reason.equals("guest-shutdown")) signal(VmSignal.GUEST_SHUTDOWN, "the guest powered off");
            }
            case "RESET" -> {
                agentHeard = false;
                heartbeatSeen = false;
                synchronized (this) {
                    if (probeJudge != null) probeJudge.restarted();
                }
                bootStartedMillis = clock.millis();
                waitAtBoot = CpuWait.of(pid);
                signal(VmSignal.GUEST_RESET, e.data().path("guest").asBoolean(false) ? "the guest rebooted" : "reset by the host");
            }
            default -> { }
        }
    }

    private void onAgentMessage(JsonNode m) {
        String type = m.path("type").asText("");
        lastAgentMillis = clock.millis();
        waitAtLastAgent = CpuWait.of(pid);
        agentEverHeard = true;
        switch (type) {
            case "hello" -> {
                agentHeard = true;
                heartbeatSeen = false;
                signal(VmSignal.AGENT_HELLO, m.path("agent").asText(""));
                try {
                    sendToAgent(AgentEnvironment.of(assignment));
                } catch (IOException ex) {
                    log.warn("{}: cannot send the environment to the agent: {}", key(), ex.getMessage());
                }
            }
            case "heartbeat" -> {
                agentHeard = true;
                heartbeatSeen = true;
                String status = m.path("status").asText("");
                String message = m.path("message").asText("");
                if (status.equals("Ready")) signal(VmSignal.AGENT_READY, message);
                else if (status.equals("Busy")) signal(VmSignal.AGENT_BUSY, message);
            }
            case "mount-drive", "unmount-drive" -> {
                // a lease, a snapshot and a hot-plug take seconds: never on the channel's reader
                var handler = driveRequests;
                Thread.ofVirtual().name("drive-request-" + key()).start(() -> {
                    try {
                        sendToAgent(handler.apply(m));
                    } catch (IOException ex) {
                        log.warn("{}: cannot answer the guest's {}: {}", key(), type, ex.getMessage());
                    }
                });
            }
            case "change-ack" -> {
                CompletableFuture<Boolean> ack = changeAck;
                if (ack != null) ack.complete(m.path("restart").asBoolean(false));
            }
            default -> { }
        }
    }

    private void awaitProcessEnd() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (alive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
        if (!alive()) processEnded();
    }

    private void processEnded() {
        if (!exitSeen.compareAndSet(false, true)) return;
        signal(VmSignal.PROCESS_EXITED, "QEMU process " + pid + " exited");
        disconnect();
        exited.complete(null);
    }

    /** Lets go of the process without a word: it keeps running (driver closed) or is being replaced. */
    void detach() {
        detached = true;
        disconnect();
    }

    private void disconnect() {
        QmpClient q = qmp;
        if (q != null) q.close();
        JsonLineChannel a = agent;
        if (a != null) a.close();
        ConsoleLog c = console;
        if (c != null) c.close();
    }
}
