package org.vmrole.host.drive;

import org.vmrole.model.blob.BlobProperties;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.model.blob.BlobStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one-writer lease on a drive's blob: a 60-second blob lease, renewed every 15 seconds while the
 * drive is attached, with the holder's name in the blob's metadata ({@code vmrolewriter}) so that a
 * refused second writer can say who holds it. A host that dies stops renewing, so its lease lapses
 * within a minute even if the controller does not break it first. The lease id is derived from the
 * holder's name, so a host agent that restarts takes back the lease its VMs' drives are under.
 */
public final class DriveLease implements AutoCloseable {
    public static final String HOLDER_METADATA = BlobProperties.HOLDER;
    static final int SECONDS = 60;
    static final int RENEW_EVERY_SECONDS = 15;
    private static final Logger LOG = LoggerFactory.getLogger(DriveLease.class);

    private final PageBlobClient blob;
    private final String id;
    private final String holder;
    private final ScheduledFuture<?> renewal;
    private volatile boolean lost;

    private DriveLease(PageBlobClient blob, String id, String holder, ScheduledExecutorService timer, int renewEverySeconds) {
        this.blob = blob;
        this.id = id;
        this.holder = holder;
        this.renewal = timer.scheduleWithFixedDelay(this::renew, renewEverySeconds, renewEverySeconds, TimeUnit.SECONDS);
    }

    /**
     * Takes the writer's lease for {@code holder} (e.g. "host-a/WebVM_IN_0").
     *
     * @throws DriveInUseException when another writer holds it
     */
    public static DriveLease acquire(PageBlobClient blob, String holder, ScheduledExecutorService timer) {
        return acquire(blob, holder, timer, SECONDS, RENEW_EVERY_SECONDS);
    }

    /** The same with another lease length (15-60 s) and renewal period: tests that watch a renewal. */
    static DriveLease acquire(PageBlobClient blob, String holder, ScheduledExecutorService timer, int seconds, int renewEverySeconds) {
        String id;
        try {
            // the id follows from the holder, so the same holder (a restarted host agent) takes its own lease back
            id = blob.acquireLease(seconds, leaseId(holder));
        } catch (BlobStorageException e) {
            if (!"LeaseAlreadyPresent".equals(e.code())) throw e;
            String current = blob.properties().metadata().getOrDefault(HOLDER_METADATA, "an unnamed writer (a lease taken outside vmrole)");
            throw new DriveInUseException(blob.url().toString(), current);
        }
        Map<String, String> metadata = new LinkedHashMap<>(blob.properties().metadata());
        metadata.put(HOLDER_METADATA, holder);
        blob.setMetadata(metadata, id);
        return new DriveLease(blob, id, holder, timer, renewEverySeconds);
    }

    /** The lease id a holder uses. */
    static String leaseId(String holder) {
        return UUID.nameUUIDFromBytes(("vmrole-drive-lease:" + holder).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    public String id() {
        return id;
    }

    public String holder() {
        return holder;
    }

    /** True once a renewal was refused (the lease was broken or expired): writes will fail from then on. */
    public boolean lost() {
        return lost;
    }

    private void renew() {
        try {
            blob.renewLease(id);
        } catch (BlobStorageException e) {
            if (e.status() >= 400 && e.status() < 500) {
                lost = true;
                renewal.cancel(false);
                LOG.warn("lease on drive {} held by {} is gone ({}); its writes will fail", blob.url(), holder, e.getMessage());
            } else {
                LOG.info("renewing the lease on drive {} failed, will retry: {}", blob.url(), e.getMessage());
            }
        }
    }

    /** Stops renewing, removes the holder's name and releases the lease; a lease already gone is not an error. */
    @Override
    public void close() {
        renewal.cancel(false);
        if (lost) return;
        try {
            Map<String, String> metadata = new LinkedHashMap<>(blob.properties().metadata());
            metadata.remove(HOLDER_METADATA);
            blob.setMetadata(metadata, id);
            blob.releaseLease(id);
        } catch (BlobStorageException e) {
            LOG.info("releasing the lease on drive {} held by {}: {}", blob.url(), holder, e.getMessage());
        }
    }
}
