package org.vmrole.host;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.ObservedInstance;

/**
 * The host's side of the fabric: keeps the table of this machine's VMs and makes them match the
 * controller's assignments. Anything running that is not assigned is stopped (fencing).
 *
 * <p>With a state directory the table is kept on disk, so a new host agent on the same directory re-adopts
 * the VMs an earlier one left running and stops those it does not know.
 */
public final class HostAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostAgent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the host agent remembers across its own restarts. */
    record Table(Map<String, Assignment> running, Map<String, Long> failed) {
    }

    private final HypervisorDriver driver;
    private final Path tableFile;
    private final InstantSource clock;
    private final Map<String, Assignment> running = new LinkedHashMap<>();
    private final Map<String, Long> failedIncarnations = new HashMap<>();
    private final Map<String, ObservedInstance> failedObservations = new HashMap<>();
    private final Object applying = new Object();

    /** A host agent whose table lives in memory only (simulations, benchmarks). */
    public HostAgent(HypervisorDriver driver) {
        this(driver, null, InstantSource.system());
    }

    /**
     * A host agent that keeps its table in {@code stateDir/host-agent.json} and re-adopts the driver's
     * surviving VMs at once.
     */
    public HostAgent(HypervisorDriver driver, Path stateDir) {
        this(driver, stateDir, InstantSource.system());
    }

    public HostAgent(HypervisorDriver driver, Path stateDir, InstantSource clock) {
        this.driver = driver;
        this.clock = clock;
        this.tableFile = stateDir == null ? null : stateDir.resolve("host-agent.json");
        readopt(load());
    }

    private void readopt(Table remembered) {
        for (Assignment found : driver.recover()) {
            Assignment known = remembered.running().get(found.key());
            if (known != null && known.incarnation() == found.incarnation()) {
                running.put(found.key(), known);
                log.info("re-adopted {} (incarnation {})", found.key(), found.incarnation());
            } else {
                log.warn("stopping {} (incarnation {}): this host agent did not assign it", found.key(), found.incarnation());
                driver.kill(found.key());
            }
        }
        failedIncarnations.putAll(remembered.failed());
        save();
    }

    /**
     * Makes the VMs match {@code desired}, the controller's full list for this host: starts what is missing,
     * reimages what has a higher incarnation, reboots what has a higher reboot generation, stops the rest.
     * Actions on different instances run in parallel; a start that fails is reported by {@link #observe()}
     * as {@code FailedStartingVM} with the reason.
     *
     * @return the actions taken
     */
    public List<HostAction> apply(List<Assignment> desired) {
        synchronized (applying) {
            return applyNow(desired, false);
        }
    }

    private List<HostAction> applyNow(List<Assignment> desired, boolean hard) {
        driver.credentials(desired);
        Map<String, Assignment> byKey = new HashMap<>();
        for (Assignment a : desired) byKey.put(a.key(), a);
        List<HostAction> actions;
        synchronized (this) {
            // A VM the driver no longer holds (its restart failed, say) is missing, whatever the table says.
            running.keySet().removeIf(key -> driver.assignment(key).isEmpty());
            actions = HostPlan.plan(desired, running, failedIncarnations);
        }
        List<Future<?>> work = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (HostAction action : actions) work.add(pool.submit(() -> carryOut(action, byKey.get(action.key()), hard)));
        }
        for (Future<?> f : work) {
            try {
                f.get();
            } catch (Exception e) {
                log.error("host action failed", e);
            }
        }
        save();
        return actions;
    }

    private void carryOut(HostAction action, Assignment a, boolean hard) {
        String key = action.key();
        switch (action.kind()) {
            case START, REIMAGE -> {
                try {
                    if (action.kind() == HostAction.Kind.START) driver.start(a);
                    else driver.reimage(a);
                    record(key, a);
                } catch (VmStartException e) {
                    log.warn("start of {} (incarnation {}) failed: {}", key, a.incarnation(), e.getMessage());
                    failed(key, a, e.getMessage());
                }
            }
            case REBOOT -> {
                try {
                    driver.reboot(key, a.rebootGeneration());
                    record(key, a);
                } catch (VmStartException e) {
                    log.warn("reboot of {} failed: {}", key, e.getMessage());
                    failed(key, a, e.getMessage());
                }
            }
            case CHANGE_SETTINGS -> {
                driver.changeSettings(a);
                record(key, a);
            }
            case STOP -> {
                if (hard) driver.kill(key);
                else driver.stop(key);
                forget(key);
            }
        }
    }

    private synchronized void record(String key, Assignment a) {
        running.put(key, a);
        failedIncarnations.remove(key);
        failedObservations.remove(key);
    }

    private synchronized void failed(String key, Assignment a, String reason) {
        running.remove(key);
        failedIncarnations.put(key, a.incarnation());
        failedObservations.put(key, HealthTransitions.next(
                HealthTransitions.creating(key, a.incarnation(), a.rebootGeneration(), clock.millis()),
                VmSignal.START_FAILED, reason, clock.millis()));
    }

    private synchronized void forget(String key) {
        running.remove(key);
        failedIncarnations.remove(key);
        failedObservations.remove(key);
    }

    /** What this host sees of every instance it was assigned: the driver's observations and failed starts. */
    public synchronized List<ObservedInstance> observe() {
        List<ObservedInstance> all = new ArrayList<>(driver.observe());
        all.addAll(failedObservations.values());
        return all;
    }

    /** What this host sees of one instance. */
    public synchronized Optional<ObservedInstance> observe(String key) {
        ObservedInstance failed = failedObservations.get(key);
        return failed != null ? Optional.of(failed) : driver.observe(key);
    }

    /** The driver this host agent runs its VMs with. */
    public HypervisorDriver driver() {
        return driver;
    }

    /** Stops every VM of this host (the host is being taken out of service). */
    public List<HostAction> stopAll() {
        synchronized (applying) {
            return applyNow(List.of(), false);
        }
    }

    /**
     * Ends every VM of this host at once, without asking the guests: the host fences itself, and must be done before the
     * controller starts the same instances elsewhere (a graceful stop can take as long as the guest likes).
     */
    public List<HostAction> fence() {
        synchronized (applying) {
            return applyNow(List.of(), true);
        }
    }

    /** Lets go of the driver; VMs keep running for the next host agent on the same state directory. */
    @Override
    public void close() {
        driver.close();
    }

    private Table load() {
        if (tableFile == null || !Files.exists(tableFile)) return new Table(Map.of(), Map.of());
        try {
            return JSON.readValue(tableFile.toFile(), new TypeReference<Table>() { });
        } catch (IOException e) {
            log.warn("host agent table {} is unreadable ({}); VMs found running will be stopped", tableFile, e.getMessage());
            return new Table(Map.of(), Map.of());
        }
    }

    private synchronized void save() {
        if (tableFile == null) return;
        try {
            Files.createDirectories(tableFile.getParent());
            Path tmp = tableFile.resolveSibling(tableFile.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), new Table(running, failedIncarnations));
            Files.move(tmp, tableFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the host agent table " + tableFile, e);
        }
    }
}
