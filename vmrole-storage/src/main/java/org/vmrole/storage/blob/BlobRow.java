package org.vmrole.storage.blob;

import java.util.List;
import java.util.Map;

/** A blob (or a snapshot of one) as stored: properties plus where its bytes live. */
public record BlobRow(String container, String name, String snapshot, String type, long size, String etag, long created,
                      long modified, BlobProperties props, Map<String, String> metadata, List<Segment> segments,
                      byte[] inline, String pageFile, List<long[]> pageRanges, long sequence, Lease lease,
                      String copyId, String copySource) {

    public boolean isSnapshot() { return !snapshot.isEmpty(); }

    /** The same blob with other properties, ETag and Last-Modified unchanged (Set Blob Tier). */
    public BlobRow withProps(BlobProperties p) {
        return new BlobRow(container, name, snapshot, type, size, etag, created, modified, p, metadata, segments, inline, pageFile,
                pageRanges, sequence, lease, copyId, copySource);
    }

    /** Azure's names for the three blob types. */
    public static final String BLOCK = "BlockBlob", PAGE = "PageBlob", APPEND = "AppendBlob";
}
