package org.vmrole.model.blob;

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

    /** The metadata name under which a drive's writer names itself while it holds the lease. */
    public static final String HOLDER = "vmrolewriter";

    /** Who holds the lease of a drive's blob, as its writer wrote it; null when nobody said. */
    public String holder() {
        return metadata.get(HOLDER);
    }

    public boolean leased() {
        return "leased".equals(leaseState) || "breaking".equals(leaseState);
    }
}
