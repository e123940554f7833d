package org.vmrole.host.qemu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.host.drive.DriveInUseException;
import org.vmrole.host.drive.DriveLease;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.host.drive.PageBlobDisk;
import org.vmrole.host.nbd.NbdServer;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.model.host.ObservedDrive;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The drives of this host's VMs: for each instance, the writer's lease (or the snapshot taken for a
 * read-only mount), the NBD export that serves the page blob, and the device hot-plugged into the VM.
 * Opening takes every lease and export first, so a drive that cannot be had (held by another writer,
 * not a fixed VHD, bad credential) leaves nothing behind and the VM is not started with half its drives.
 */
public final class AttachedDrives implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttachedDrives.class);
    /** The most a drive's read cache holds. */
    public static final long CACHE_BYTES = 64L << 20;
    /** Longest wait for a lease an earlier incarnation of the same instance still holds: one lease length and a margin. */
    static final Duration LEASE_WAIT = Duration.ofSeconds(70);
    /**
     * How long a drive's call refused with the old key waits for the regenerated one: the controller sends it within
     * about 2 s of the regeneration (docs/drives.md), more on a loaded machine; meanwhile the guest's I/O stalls, not fails.
     */
    static final Duration KEY_ROTATION_WAIT = Duration.ofSeconds(20);

    /**
     * One drive to attach: its name in the role (the guest's serial), its blob, and how it is mounted; a read-only mount
     * serves {@code snapshot}, or a snapshot taken when it opens when that is null.
     */
    public record Mount(String name, URI blobUrl, boolean writable, BlobCredential credential, String snapshot) {
        public Mount(String name, URI blobUrl, boolean writable, BlobCredential credential) {
            this(name, blobUrl, writable, credential, null);
        }
    }

    private record Open(Mount mount, String export, DriveLease lease, String holder) {}

    private final Map<String, List<Open>> byInstance = new ConcurrentHashMap<>();
    /** Each storage account's key as the controller last gave it, shared by every drive of that account. */
    private final Map<String, BlobCredential.Current> accountKeys = new ConcurrentHashMap<>();
    private final Path socket;
    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("drive-lease").factory());
    private volatile NbdServer nbd;

    /**
     * @param socket the NBD server's Unix socket, in a directory of the host's own (made owner-only): a restarted agent
     *               listens on the same path, so the NBD clients of VMs that outlived it reconnect (QEMU retries for
     *               15 s) to the exports it serves again
     */
    public AttachedDrives(Path socket) {
        this.socket = socket;
    }

    private synchronized NbdServer nbd() {
        if (nbd == null) nbd = NbdServer.startUnix(socket);
        return nbd;
    }

    private DriveHotplug.NbdTarget target(Open o) {
        return new DriveHotplug.NbdTarget(nbd().socketPath().orElseThrow(), o.export());
    }

    /**
     * The credential the drives of {@code account} sign with: the key given, which from now on also replaces the key
     * of the account's drives already attached (a regenerated key reaches them without a detach).
     */
    public BlobCredential accountKey(String account, String base64Key) {
        BlobCredential.SharedKey key = new BlobCredential.SharedKey(account, base64Key);
        BlobCredential.Current current = accountKeys.computeIfAbsent(account, a -> new BlobCredential.Current(key, KEY_ROTATION_WAIT));
        if (!key.equals(current.get())) {
            current.set(key);
            LOG.info("storage account {}: its drives sign with the key the controller now gives", account);
        }
        return current;
    }

    /**
     * Takes the leases and serves the exports of an instance's drives.
     *
     * @param holder who the lease is for, as a second writer will be told ("host-a/d-1/WebVM_IN_0#3")
     * @throws RuntimeException naming the drive and the reason; nothing of this call stays open
     */
    public void open(String key, String holder, List<Mount> mounts) {
        if (mounts.isEmpty()) return;
        if (byInstance.containsKey(key)) throw new IllegalStateException(key + " already has its drives open");
        if (mounts.size() > DriveHotplug.PORTS) {
            throw new IllegalArgumentException(key + " asks for " + mounts.size() + " drives; a VM takes at most " + DriveHotplug.PORTS);
        }
        List<Open> opened = new ArrayList<>();
        try {
            for (Mount m : mounts) opened.add(open(key, holder, m));
        } catch (RuntimeException e) {
            opened.forEach(this::close);
            throw new IllegalArgumentException("drive attach for " + key + " failed: " + e.getMessage(), e);
        }
        byInstance.put(key, List.copyOf(opened));
    }

    private Open open(String key, String holder, Mount m) {
        PageBlobClient blob = PageBlobClient.of(m.blobUrl(), m.credential());
        String export = key + "/" + m.name();
        if (m.writable()) {
            DriveLease lease = leaseFor(key, holder, blob);
            try {
                nbd().export(export, PageBlobDisk.open(blob, lease::id, CACHE_BYTES));
            } catch (RuntimeException e) {
                lease.close();
                throw e;
            }
            return new Open(m, export, lease, holder);
        }
        String time = m.snapshot() != null ? m.snapshot() : blob.createSnapshot();
        nbd().export(export, PageBlobDisk.open(blob.atSnapshot(time), null, CACHE_BYTES));
        return new Open(new Mount(m.name(), m.blobUrl(), false, m.credential(), time), export, null, holder);
    }

    /**
     * Takes the writer's lease. A lease held by an earlier incarnation of this same instance can only
     * be a host's that lost the instance (it was moved or reimaged there); if the controller has not
     * broken it, it lapses within its 60 s: wait for that rather than fail the start.
     */
    private DriveLease leaseFor(String key, String holder, PageBlobClient blob) {
        long deadline = System.nanoTime() + LEASE_WAIT.toNanos();
        while (true) {
            try {
                return DriveLease.acquire(blob, holder, renewals);
            } catch (DriveInUseException e) {
                if (!e.holder().startsWith(key + "#") || System.nanoTime() > deadline) throw e;
                LOG.info("{}: drive {} is still leased to {}; waiting for that lease to lapse", key, blob.url(), e.holder());
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Adds one drive to a running VM's drives (a guest's {@code mount-drive}): its lease or snapshot, its export and the
     * hot-plug, all or nothing.
     *
     * @return the drive as mounted (a read-only one with the snapshot it serves)
     * @throws IllegalArgumentException naming the drive and the reason; nothing of it stays open
     */
    public synchronized Mount add(String key, String holder, Mount m, QmpClient qmp) {
        List<Open> current = byInstance.getOrDefault(key, List.of());
        if (current.stream().anyMatch(o -> o.mount().name().equals(m.name()))) {
            throw new IllegalArgumentException("drive '" + m.name() + "' is already attached to " + key + "; unmount it first or choose another name");
        }
        if (current.size() >= DriveHotplug.PORTS) {
            throw new IllegalArgumentException(key + " has " + current.size() + " drives attached; a VM takes at most " + DriveHotplug.PORTS);
        }
        Open o;
        try {
            o = open(key, holder, m);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("drive '" + m.name() + "': " + e.getMessage(), e);
        }
        try {
            DriveHotplug.attach(qmp, m.name(), target(o), !m.writable());
        } catch (RuntimeException e) {
            close(o);
            throw new IllegalArgumentException("drive '" + m.name() + "' cannot be hot-plugged: " + e.getMessage(), e);
        }
        List<Open> next = new ArrayList<>(current);
        next.add(o);
        byInstance.put(key, List.copyOf(next));
        return o.mount();
    }

    /**
     * Serves one drive again that a VM still has plugged (a guest's mount-drive from before this agent started): its
     * lease (the same holder takes it back) or a new snapshot, and its export under the same name; no hot-plug.
     */
    public synchronized void reopen(String key, String holder, Mount m) {
        List<Open> next = new ArrayList<>(byInstance.getOrDefault(key, List.of()));
        if (next.stream().anyMatch(o -> o.mount().name().equals(m.name()))) return;
        next.add(open(key, holder, m));
        byInstance.put(key, List.copyOf(next));
    }

    /**
     * Unplugs one drive from a running VM (the guest has {@code guestWait} to let go) and closes it: export gone, lease released.
     *
     * @return false when the VM has no drive of that name
     */
    public synchronized boolean remove(String key, String name, QmpClient qmp, Duration guestWait) {
        List<Open> current = byInstance.getOrDefault(key, List.of());
        Open o = current.stream().filter(x -> x.mount().name().equals(name)).findFirst().orElse(null);
        if (o == null) return false;
        if (!DriveHotplug.detach(qmp, name, guestWait)) {
            LOG.warn("{}: the guest did not release drive {} within {}; closing its export anyway", key, name, guestWait);
        }
        List<Open> next = new ArrayList<>(current);
        next.remove(o);
        if (next.isEmpty()) byInstance.remove(key);
        else byInstance.put(key, List.copyOf(next));
        close(o);
        return true;
    }

    /** Hot-plugs the instance's open drives into its running VM. */
    public void plug(String key, QmpClient qmp) {
        for (Open o : byInstance.getOrDefault(key, List.of())) {
            if (DriveHotplug.attached(qmp, o.mount().name())) continue;
            DriveHotplug.attach(qmp, o.mount().name(), target(o), !o.mount().writable());
        }
    }

    /** Asks the running VM to let go of the drives, then closes them; a guest that does not let go in time loses them anyway. */
    public void unplug(String key, QmpClient qmp, Duration guestWait) {
        for (Open o : byInstance.getOrDefault(key, List.of())) {
            if (!DriveHotplug.detach(qmp, o.mount().name(), guestWait)) {
                LOG.warn("{}: the guest did not release drive {} within {}; closing its export anyway", key, o.mount().name(), guestWait);
            }
        }
        release(key);
    }

    /** Closes the instance's drives once its VM is gone: exports stop, leases are released. */
    public void release(String key) {
        List<Open> open = byInstance.remove(key);
        if (open != null) open.forEach(this::close);
    }

    /** How many NBD clients (QEMU processes) are connected to the instance's drive now. */
    public int clients(String key, String drive) {
        NbdServer server = nbd;
        return server == null ? 0 : server.clients(key + "/" + drive);
    }

    /** What the instance's drives are now, for its status: name, mode and the writer's lease. */
    public List<ObservedDrive> attached(String key) {
        return byInstance.getOrDefault(key, List.of()).stream().map(AttachedDrives::observed).toList();
    }

    private static ObservedDrive observed(Open o) {
        if (o.lease() == null) return new ObservedDrive(o.mount().name(), DriveAttachment.SNAPSHOT, ObservedDrive.NONE, "");
        return new ObservedDrive(o.mount().name(), DriveAttachment.WRITE, o.lease().lost() ? ObservedDrive.LOST : ObservedDrive.HELD, o.holder());
    }

    private void close(Open o) {
        NbdServer server = nbd;
        if (server != null) server.unexport(o.export());
        if (o.lease() != null) o.lease().close();
    }

    /**
     * Stops serving and renewing, and keeps the leases: the VMs keep running, and a restarted agent takes
     * the leases back (same holder, same id) and serves the exports again. If none comes, they lapse in 60 s.
     */
    @Override
    public void close() {
        renewals.shutdownNow();
        NbdServer server = nbd;
        if (server != null) server.close();
    }
}
