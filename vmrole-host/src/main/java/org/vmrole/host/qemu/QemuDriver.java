package org.vmrole.host.qemu;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.host.HypervisorDriver;
import org.vmrole.host.VmSignal;
import org.vmrole.host.VmStartException;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.LocalDisk;
import org.vmrole.model.host.ObservedInstance;

/**
 * Runs each role instance as a QEMU VM booting from its own qcow2 overlay on the read-only base image.
 * VMs are daemonized and everything needed to find them again (pid file, QMP and agent sockets,
 * instance record) lives in the VM's directory, so they survive the host agent's own death.
 */
public final class QemuDriver implements HypervisorDriver {
    private static final Logger log = LoggerFactory.getLogger(QemuDriver.class);
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    /** sun_path holds 108 bytes; leave room for the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    private final QemuSettings settings;
    private final InstantSource clock;
    private final Map<String, QemuVm> vms = new ConcurrentHashMap<>();
    private final List<Consumer<ObservedInstance>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService watchdog;
    private final AttachedDrives drives;

    public QemuDriver(QemuSettings settings) {
        this(settings, InstantSource.system());
    }

    public QemuDriver(QemuSettings settings, InstantSource clock) {
        this.settings = settings;
        this.clock = clock;
        QemuCommandLine.checkPath(settings.dataDir());
        this.drives = new AttachedDrives(settings.dataDir().resolve("nbd").resolve("drives.sock"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qemu-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::checkAll, 250, 250, TimeUnit.MILLISECONDS);
    }

    private void checkAll() {
        for (QemuVm vm : vms.values()) {
            try {
                vm.check(settings.agentTimeout(), settings.bootTimeout());
            } catch (RuntimeException e) {
                log.warn("{}: health check failed", vm.key(), e);
            }
        }
    }

    // ---- start ------------------------------------------------------------------------------------

    @Override
    public void start(Assignment a) {
        String key = a.key();
        if (vms.containsKey(key)) throw new VmStartException(key + " is already running here; reimage or stop it first");
        validate(a);
        Path base;
        try {
            base = settings.images().resolve(a.imageDigest()).toAbsolutePath();
        } catch (IllegalArgumentException e) {
            throw new VmStartException(key + ": " + e.getMessage(), e);
        }
        QemuCommandLine.checkPath(base);
        String format = BaseImageInspection.formatOf(base);
        List<Integer> ports = hostPorts(a);
        VmFiles files = VmFiles.of(settings.dataDir(), key);
        if (files.qmpSocket().toString().length() > MAX_SOCKET_PATH) {
            throw new VmStartException("data directory " + settings.dataDir() + " is too deep for UNIX sockets ("
                    + files.qmpSocket().toString().length() + " > " + MAX_SOCKET_PATH + " bytes); choose a shorter path");
        }
        try {
            discard(files);
            Files.createDirectories(files.dir());
            createOverlay(base, format, files);
            createLocalDisks(a, files, true);
            ConfigDrive.write(a, files.configDrive());
            JsonLineChannel.JSON.writeValue(files.instanceFile().toFile(), new InstanceRecord(a, ports));
            QemuVm vm = launch(a, files, ports);
            vms.put(key, vm);
        } catch (IOException | RuntimeException e) {
            discard(files);
            if (e instanceof VmStartException v) throw v;
            throw new VmStartException("cannot start " + key + ": " + e.getMessage(), e);
        }
        if (a.drives().isEmpty()) return;
        try {
            // plugged while the guest boots: it finds the disks like any other at start-up
            attachDrives(key, holder(a), mounts(a));
        } catch (RuntimeException e) {
            kill(key);
            throw new VmStartException(key + ": " + e.getMessage(), e);
        }
    }

    /** Serves the drives of a VM that outlived the previous agent again: same lease holder, same export names, same port. */
    private void reserveDrives(Assignment a) {
        if (a.drives().isEmpty()) return;
        try {
            drives.open(a.key(), holder(a), mounts(a));
        } catch (RuntimeException e) {
            log.warn("{}: its drives cannot be served again ({}); its disk I/O will fail until it is restarted", a.key(), e.getMessage());
        }
    }

    /**
     * Serves again the drives the guest of a VM that outlived the previous agent had mounted with mount-drive, from what
     * {@link GuestMounts} kept: each is checked as when it was asked for (a SAS that has expired since is not served again).
     */
    private void reserveGuestDrives(QemuVm vm) {
        for (com.fasterxml.jackson.databind.JsonNode request : GuestMounts.requests(vm.files.guestMounts())) {
            String name = request.path("name").asText();
            try {
                AttachedDrives.Mount m = GuestDriveRequest.read(request, vm.assignment(), clock.instant()).mount();
                String snapshot = request.path(GuestMounts.SNAPSHOT).asText(null);
                drives.reopen(vm.key(), holder(vm.assignment()), new AttachedDrives.Mount(m.name(), m.blobUrl(), m.writable(), m.credential(), snapshot));
                log.info("{}: serving drive {} the guest mounted again", vm.key(), name);
            } catch (RuntimeException e) {
                log.warn("{}: drive {} the guest mounted cannot be served again ({}); its I/O to it will fail", vm.key(), name, e.getMessage());
            }
        }
    }

    /** The host-side form of an assignment's drives, signing with their account's current key. */
    private List<AttachedDrives.Mount> mounts(Assignment a) {
        return a.drives().stream().map(d -> new AttachedDrives.Mount(d.name(), java.net.URI.create(d.blobUrl()), d.writable(),
                drives.accountKey(d.accountName(), d.accountKey()))).toList();
    }

    /** A regenerated account key in the assignments replaces the old one under the drives that sign with it, attached as they are. */
    @Override
    public void credentials(List<Assignment> desired) {
        for (Assignment a : desired) {
            for (var d : a.drives()) {
                if (!d.accountKey().isEmpty()) drives.accountKey(d.accountName(), d.accountKey());
            }
        }
    }

    /** Who holds a writer's lease, as a refused second writer is told: instance, incarnation and this host. */
    private String holder(Assignment a) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return a.key() + "#" + a.incarnation() + " on " + host + ":" + settings.dataDir();
    }

    private void validate(Assignment a) {
        if (a.size() == null) {
            throw new VmStartException(a.key() + ": VM size is missing; give one of ExtraSmall, Small, Medium, Large, ExtraLarge");
        }
        if (a.size().cores() > settings.capacity().cores()) {
            throw new VmStartException(a.key() + ": VM size " + a.size() + " needs " + a.size().describe() + "; this host has "
                    + settings.capacity().cores() + " cores. Choose a smaller size");
        }
        int memory = settings.memoryMiB() > 0 ? settings.memoryMiB() : a.size().memoryMiB();
        if (memory > settings.capacity().memoryMiB()) {
            throw new VmStartException(a.key() + ": VM size " + a.size() + " needs " + memory + " MiB of memory; this host has "
                    + settings.capacity().memoryMiB() + " MiB. Choose a smaller size");
        }
        if (a.imageDigest() == null || a.imageDigest().isBlank()) {
            throw new VmStartException(a.key() + ": no image given; name the role's image");
        }
    }

    /** Resolves port 0 to a free port and refuses a port something already listens on. */
    private static List<Integer> hostPorts(Assignment a) {
        List<Integer> ports = new ArrayList<>();
        for (EndpointBinding e : a.endpoints()) {
            try (ServerSocket probe = new ServerSocket(e.hostPort(), 1, InetAddress.getLoopbackAddress())) {
                ports.add(probe.getLocalPort());
            } catch (IOException ex) {
                throw new VmStartException(a.key() + ": endpoint '" + e.name() + "': host port " + e.hostPort()
                        + " on 127.0.0.1 is already in use; assign another port or stop what listens there");
            }
        }
        return ports;
    }

    private static void createOverlay(Path base, String format, VmFiles files) throws IOException {
        Files.deleteIfExists(files.overlay());
        HostCommand.require(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", format,
                files.overlay().toString()), Duration.ofSeconds(30));
    }

    /** Creates the scratch disks; {@code all} false recreates only those that are cleaned on every recycle. */
    private static void createLocalDisks(Assignment a, VmFiles files, boolean all) throws IOException {
        List<LocalDisk> disks = a.localDisks();
        for (int i = 0; i < disks.size(); i++) {
            if (!all && !disks.get(i).cleanOnRoleRecycle()) continue;
            Files.deleteIfExists(files.localDisk(i));
            HostCommand.require(List.of("qemu-img", "create", "-q", "-f", "qcow2", files.localDisk(i).toString(),
                    disks.get(i).sizeMiB() + "M"), Duration.ofSeconds(30));
        }
    }

    private QemuVm launch(Assignment a, VmFiles files, List<Integer> ports) throws IOException {
        List<String> command = QemuCommandLine.build(settings, a, files, ports);
        Files.deleteIfExists(files.pidFile());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(files.qemuErrors().toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new VmStartException(a.key() + ": QEMU did not finish starting within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmStartException(a.key() + ": interrupted while starting QEMU", e);
        }
        if (p.exitValue() != 0) {
            String err = Files.readString(files.qemuErrors(), StandardCharsets.UTF_8).strip();
            throw new VmStartException(a.key() + ": QEMU refused to start: " + (err.isEmpty() ? "exit " + p.exitValue() : err));
        }
        long pid = Long.parseLong(Files.readString(files.pidFile()).strip());
        QemuVm vm = new QemuVm(a, files, pid, ports, clock, this::publish);
        vm.onDriveRequest(m -> guestDriveRequest(vm, m));
        try {
            vm.attach(settings.consoleLogBytes(), QMP_TIMEOUT);
        } catch (IOException e) {
            vm.detach();
            killProcess(pid, files);
            throw e;
        }
        vm.signal(VmSignal.LAUNCHED, "QEMU pid " + pid + (ports.isEmpty() ? "" : ", ports " + ports));
        return vm;
    }

    // ---- stop, kill, reboot, reimage ---------------------------------------------------------------

    @Override
    public void stop(String key) {
        QemuVm vm = vms.get(key);
        if (vm == null) return;
        vm.signal(VmSignal.STOP_REQUESTED, "graceful stop");
        long total = settings.stopTimeout().toMillis();
        boolean done = false;
        if (vm.agentConnected()) {
            try {
                vm.sendToAgent(Map.of("type", "stop", "deadlineSeconds", Math.max(1, total * 2 / 3 / 1000)));
                done = awaitExit(vm, Duration.ofMillis(total * 2 / 3));
            } catch (IOException e) {
                log.info("{}: agent did not take the stop request ({}); powering down", key, e.getMessage());
            }
        }
        if (!done) {
            vm.qmp().ifPresent(q -> q.send("system_powerdown", Map.of()));
            done = awaitExit(vm, Duration.ofMillis(total / 3));
        }
        if (!done) {
            vm.qmp().ifPresent(q -> q.send("quit", Map.of()));
            done = awaitExit(vm, Duration.ofSeconds(3));
        }
        if (!done) killProcess(vm.pid, vm.files);
        awaitExit(vm, Duration.ofSeconds(10));
        forget(vm);
    }

    @Override
    public void kill(String key) {
        QemuVm vm = vms.get(key);
        if (vm == null) return;
        vm.signal(VmSignal.STOP_REQUESTED, "hard stop");
        killProcess(vm.pid, vm.files);
        awaitExit(vm, Duration.ofSeconds(10));
        forget(vm);
    }

    private void forget(QemuVm vm) {
        // the VM is gone: nothing can write through its drives any more, so their leases can go
        drives.release(vm.key());
        vm.detach();
        vms.remove(vm.key(), vm);
        discard(vm.files);
    }

    @Override
    public void reboot(String key, long rebootGeneration) {
        QemuVm vm = vms.get(key);
        if (vm == null) throw new IllegalArgumentException("no VM " + key + " on this host to reboot");
        Assignment a = vm.assignment();
        boolean cleanDisks = a.localDisks().stream().anyMatch(LocalDisk::cleanOnRoleRecycle);
        if (!cleanDisks && vm.alive() && vm.qmp().map(QmpClient::isOpen).orElse(false)) {
            try {
                vm.rebooting(rebootGeneration);
                vm.qmp().orElseThrow().execute("system_reset");
                rewriteRecord(vm);
                return;
            } catch (QmpException e) {
                log.info("{}: reset failed ({}); booting it again instead", key, e.getMessage());
            }
        }
        // A scratch disk cleaned on every recycle cannot be swapped under a running QEMU, and a VM that has
        // stopped cannot be reset: start the process again on the same overlay.
        String why = cleanDisks ? "restarted with clean local storage" : "booted again on its overlay";
        vm.detach();
        killProcess(vm.pid, vm.files);
        awaitExit(vm, Duration.ofSeconds(10));
        Assignment next = a.withRebootGeneration(rebootGeneration);
        try {
            createLocalDisks(next, vm.files, false);
            JsonLineChannel.JSON.writeValue(vm.files.instanceFile().toFile(), new InstanceRecord(next, vm.hostPorts));
            QemuVm restarted = launch(next, vm.files, vm.hostPorts);
            restarted.signal(VmSignal.GUEST_RESET, why);
            vms.put(key, restarted);
            // same incarnation: the drives stay open and leased, the new QEMU process gets them plugged in again
            restarted.qmp().ifPresent(q -> drives.plug(key, q));
        } catch (IOException | RuntimeException e) {
            vms.remove(key, vm);
            discard(vm.files);
            throw new VmStartException("cannot restart " + key + " for its reboot: " + e.getMessage(), e);
        }
    }

    /** How long a guest has to answer {@code changing}; one that does not takes the change live. */
    private static final Duration CHANGE_ACK_TIMEOUT = Duration.ofSeconds(5);

    @Override
    public void changeSettings(Assignment a) {
        QemuVm vm = vms.get(a.key());
        if (vm == null) throw new IllegalArgumentException("no VM " + a.key() + " on this host to change");
        boolean restart = vm.changeSettings(a, CHANGE_ACK_TIMEOUT);
        rewriteRecord(vm);
        if (!restart) return;
        log.info("{}: the guest asked to be restarted for its new settings; resetting it", a.key());
        try {
            vm.qmp().orElseThrow(() -> new QmpException("no QMP connection")).execute("system_reset");
        } catch (QmpException e) {
            log.warn("{}: reset for new settings failed ({}); it keeps running on them live", a.key(), e.getMessage());
        }
    }

    private void rewriteRecord(QemuVm vm) {
        try {
            JsonLineChannel.JSON.writeValue(vm.files.instanceFile().toFile(), new InstanceRecord(vm.assignment(), vm.hostPorts));
        } catch (IOException e) {
            log.warn("{}: cannot update its instance record: {}", vm.key(), e.getMessage());
        }
    }

    @Override
    public void reimage(Assignment a) {
        kill(a.key());
        start(a);
    }

    // ---- observe, recover, close ------------------------------------------------------------------

    @Override
    public List<ObservedInstance> observe() {
        List<ObservedInstance> all = new ArrayList<>(vms.size());
        for (QemuVm vm : vms.values()) all.add(observed(vm));
        return all;
    }

    /** The VM's observation with its drives as they are now (a lease may be lost at any time). */
    private ObservedInstance observed(QemuVm vm) {
        return vm.observed().withDrives(drives.attached(vm.key()));
    }

    @Override
    public Optional<ObservedInstance> observe(String key) {
        return Optional.ofNullable(vms.get(key)).map(this::observed);
    }

    @Override
    public Optional<Assignment> assignment(String key) {
        return Optional.ofNullable(vms.get(key)).map(QemuVm::assignment);
    }

    @Override
    public Optional<Path> networkSocket(String key) {
        QemuVm vm = vms.get(key);
        return vm == null || vm.assignment().network() == null ? Optional.empty() : Optional.of(vm.files.networkSocket());
    }

    /** The host ports the VM's endpoints are forwarded from, in the assignment's order. */
    public List<Integer> hostPorts(String key) {
        QemuVm vm = vms.get(key);
        return vm == null ? List.of() : vm.hostPorts;
    }

    /** The QEMU process id of a VM, for diagnostics and tests. */
    public Optional<Long> pid(String key) {
        return Optional.ofNullable(vms.get(key)).map(vm -> vm.pid);
    }

    /** The directory holding a VM's overlay, sockets and console log. */
    // ---- drives ---------------------------------------------------------------------------------------

    /**
     * Attaches drives to a running VM: takes each writer's lease (or a snapshot), serves the page blobs
     * over NBD and hot-plugs them. All or nothing.
     *
     * @param holder who holds the leases, as a refused second writer is told
     * @throws IllegalArgumentException naming the drive and why it cannot be attached
     */
    public void attachDrives(String key, String holder, List<AttachedDrives.Mount> mounts) {
        QmpClient qmp = qmp(key).orElseThrow(() -> new IllegalArgumentException("no running VM " + key + " on this host to attach drives to"));
        drives.open(key, holder, mounts);
        try {
            drives.plug(key, qmp);
        } catch (RuntimeException e) {
            drives.unplug(key, qmp, Duration.ofSeconds(10));
            throw new IllegalArgumentException("cannot hot-plug the drives of " + key + ": " + e.getMessage(), e);
        }
    }

    /** How long a guest has to let go of a drive it asked to unmount (Linux answers the PCIe unplug in about 5 s). */
    private static final Duration GUEST_UNPLUG_WAIT = Duration.ofSeconds(20);

    /**
     * A guest's {@code mount-drive} or {@code unmount-drive} (docs/guest-agent.md), carried out: the answer names the
     * device the guest will see, or why nothing was attached.
     */
    Map<String, Object> guestDriveRequest(QemuVm vm, com.fasterxml.jackson.databind.JsonNode m) {
        String name = m.path("name").asText("");
        Optional<QmpClient> qmp = qmp(vm.key());
        if (qmp.isEmpty()) return GuestDriveRequest.refused(name, "the VM is not running");
        try {
            if ("unmount-drive".equals(m.path("type").asText())) {
                if (vm.assignment().drives().stream().anyMatch(d -> d.name().equals(name))) {
                    return GuestDriveRequest.refused(name, "drive '" + name + "' is one the role declares; it stays attached while the instance runs");
                }
                if (!drives.remove(vm.key(), name, qmp.get(), GUEST_UNPLUG_WAIT)) {
                    return GuestDriveRequest.refused(name, "no drive '" + name + "' is attached");
                }
                GuestMounts.forget(vm.files.guestMounts(), name);
                return GuestDriveRequest.unmounted(name);
            }
            GuestDriveRequest request = GuestDriveRequest.read(m, vm.assignment(), clock.instant());
            AttachedDrives.Mount mounted = drives.add(vm.key(), holder(vm.assignment()), request.mount(), qmp.get());
            try {
                GuestMounts.remember(vm.files.guestMounts(), m, mounted.snapshot());
            } catch (java.io.UncheckedIOException e) {
                log.warn("{}: drive {} is mounted, but a restarted agent will not serve it again: {}", vm.key(), name, e.getMessage());
            }
            log.info("{}: the guest mounted drive {} ({})", vm.key(), name, request.mount().blobUrl());
            return GuestDriveRequest.mounted(request.mount());
        } catch (RuntimeException e) {
            log.info("{}: the guest's {} of drive '{}' refused: {}", vm.key(), m.path("type").asText(), name, e.getMessage());
            return GuestDriveRequest.refused(name, e.getMessage());
        }
    }

    /** Unplugs a running VM's drives (the guest gets {@code guestWait} to let go) and releases their leases. */
    public void detachDrives(String key, Duration guestWait) {
        Optional<QmpClient> qmp = qmp(key);
        if (qmp.isPresent()) drives.unplug(key, qmp.get(), guestWait);
        else drives.release(key);
    }

    /** How many QEMU processes are connected to a VM's drive now (1 when it is plugged and in use). */
    public int driveClients(String key, String drive) {
        return drives.clients(key, drive);
    }

    /** The drives attached to a VM now. */
    public List<org.vmrole.model.host.ObservedDrive> drives(String key) {
        return drives.attached(key);
    }

    Optional<QmpClient> qmp(String key) {
        return Optional.ofNullable(vms.get(key)).flatMap(QemuVm::qmp).filter(QmpClient::isOpen);
    }

    public Path directory(String key) {
        return VmFiles.of(settings.dataDir(), key).dir();
    }

    @Override
    public List<Assignment> recover() {
        Path root = settings.dataDir().resolve("vms");
        if (!Files.isDirectory(root)) return List.of();
        List<Assignment> found = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> list = Files.list(root)) {
            dirs = list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
        for (Path dir : dirs) {
            VmFiles files = new VmFiles(dir);
            Optional<Long> pid = readPid(files);
            InstanceRecord record;
            try {
                record = JsonLineChannel.JSON.readValue(files.instanceFile().toFile(), InstanceRecord.class);
            } catch (IOException e) {
                log.warn("{}: no readable instance record; ending what is left of it", dir);
                pid.ifPresent(p -> killProcess(p, files));
                discard(files);
                continue;
            }
            String key = record.assignment().key();
            if (vms.containsKey(key)) {
                found.add(vms.get(key).assignment());
                continue;
            }
            if (pid.isEmpty() || !QemuVm.isOurQemu(pid.get(), files)) {
                log.info("{}: its VM is no longer running; removing its files", key);
                discard(files);
                continue;
            }
            QemuVm vm = new QemuVm(record.assignment(), files, pid.get(), record.hostPorts(), clock, this::publish);
            vm.onDriveRequest(m -> guestDriveRequest(vm, m));
            try {
                vm.attach(settings.consoleLogBytes(), QMP_TIMEOUT);
            } catch (IOException e) {
                log.warn("{}: running but cannot be reached ({}); ending it", key, e.getMessage());
                vm.detach();
                killProcess(pid.get(), files);
                discard(files);
                continue;
            }
            vm.readopted();
            vms.put(key, vm);
            found.add(record.assignment());
            reserveDrives(record.assignment());
            reserveGuestDrives(vm);
        }
        return found;
    }

    @Override
    public void addListener(Consumer<ObservedInstance> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        drives.close();
        for (QemuVm vm : vms.values()) vm.detach();
        vms.clear();
        listeners.clear();
    }

    private void publish(ObservedInstance o) {
        for (Consumer<ObservedInstance> l : listeners) {
            try {
                l.accept(o);
            } catch (RuntimeException e) {
                log.warn("an observation listener failed", e);
            }
        }
    }

    // ---- processes and files ----------------------------------------------------------------------

    private static Optional<Long> readPid(VmFiles files) {
        try {
            return Optional.of(Long.parseLong(Files.readString(files.pidFile()).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Sends SIGKILL, but only to the QEMU of this VM: a pid may have been reused by now. */
    private static void killProcess(long pid, VmFiles files) {
        if (!QemuVm.isOurQemu(pid, files)) return;
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    private static boolean awaitExit(QemuVm vm, Duration timeout) {
        try {
            vm.exited().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !vm.alive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !vm.alive();
        } catch (Exception e) {
            return !vm.alive();
        }
    }

    /** Removes a VM's directory, ending its QEMU first if one still runs there. */
    private static void discard(VmFiles files) {
        readPid(files).ifPresent(pid -> {
            if (QemuVm.isOurQemu(pid, files)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (QemuVm.isRunning(pid, files) && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        });
        try {
            deleteTree(files.dir());
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", files.dir(), e.getMessage());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
