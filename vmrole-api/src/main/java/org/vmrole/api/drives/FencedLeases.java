package org.vmrole.api.drives;

import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.api.storage.StorageAccounts;
import org.vmrole.fabric.controller.FencedHost;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.BlobStorageException;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.model.host.DriveAttachment;

/**
 * Breaks the writers' leases of a host the controller fenced, with each drive's account key: the instance's new copy
 * mounts the drive at once instead of waiting up to a minute for the lease to lapse, and the fenced host, should it
 * only be cut off, has its next Put Page and lease renewal refused.
 */
public final class FencedLeases {
    private static final Logger LOG = LoggerFactory.getLogger(FencedLeases.class);
    private final StorageAccounts accounts;

    public FencedLeases(StorageAccounts accounts) {
        this.accounts = accounts;
    }

    /** Breaks every lease; a drive without one, or an account gone, is logged and skipped. Returns how many were broken. */
    public int breakAll(FencedHost fenced) {
        int broken = 0;
        for (DriveAttachment d : fenced.writeDrives()) {
            var key = accounts.keyOf(d.accountName());
            if (key.isEmpty()) {
                LOG.warn("host {} fenced: drive {} is in storage account {}, which no longer exists", fenced.host(), d.blobUrl(), d.accountName());
                continue;
            }
            try {
                PageBlobClient.of(URI.create(d.blobUrl()), new BlobCredential.SharedKey(d.accountName(), key.get())).breakLease(0);
                broken++;
                LOG.info("host {} fenced: broke the writer's lease on drive {}", fenced.host(), d.blobUrl());
            } catch (BlobStorageException e) {
                if (e.status() == 409) LOG.info("host {} fenced: drive {} had no lease to break", fenced.host(), d.blobUrl());
                else LOG.warn("host {} fenced: cannot break the lease on drive {}: {}", fenced.host(), d.blobUrl(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("host {} fenced: cannot break the lease on drive {}: {}", fenced.host(), d.blobUrl(), e.getMessage());
            }
        }
        return broken;
    }
}
