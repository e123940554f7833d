package org.vmrole.host.drive;

import java.util.Map;

/**
 * What Get Blob Properties says about a page blob.
 *
 * @param leaseState  available, leased, expired, breaking or broken
 * @param metadata    x-ms-meta-* headers, names lower-cased without the prefix
 */
public record BlobProperties(long size, String blobType, String etag, String leaseState, String leaseDuration,
                             Map<String, String> metadata) {
    public BlobProperties {
        metadata = Map.copyOf(metadata);
    }

    public boolean leased() {
        return "leased".equals(leaseState) || "breaking".equals(leaseState);
    }
}
