package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTTP properties a blob keeps and returns (Content-Type, MD5, ...), its access tier (null: the account default,
 * Hot, reported as inferred) with a rehydration in progress, its index tags, and whether an append blob is sealed.
 * Stored as JSON, so rows written before a field existed read it as absent.
 */
public record BlobProperties(String contentType, String contentEncoding, String contentLanguage, String contentMd5,
                             String cacheControl, String contentDisposition, String accessTier, Long tierChanged,
                             Map<String, String> tags, boolean sealed, Rehydration rehydration) {

    /** The tiers of a standard account's block blobs, spelled as Azure answers them. */
    static final List<String> TIERS = List.of("Hot", "Cool", "Cold", "Archive");
    static final String ARCHIVE = "Archive";

    public static final BlobProperties DEFAULT = new BlobProperties("application/octet-stream", null, null, null, null, null, null, null,
            Map.of(), false, null);

    public BlobProperties {
        tags = tags == null || tags.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** Properties from Put Blob headers (the body's own Content-* headers). */
    public static BlobProperties fromUpload(StorageRequest r) {
        String ct = r.header("Content-Type");
        String tier = tier(r.header("x-ms-access-tier"));
        return new BlobProperties(ct == null ? "application/octet-stream" : ct, r.header("Content-Encoding"),
                r.header("Content-Language"), null, r.header("Cache-Control"), r.header("Content-Disposition"), tier, null,
                Map.of(), false, null);
    }

    /** Properties from the {@code x-ms-blob-*} headers of Put Block List, Set Blob Properties and Put Page Blob. */
    public static BlobProperties fromMsHeaders(StorageRequest r, BlobProperties base) {
        String ct = r.header("x-ms-blob-content-type");
        String tier = base != null ? base.accessTier : tier(r.header("x-ms-access-tier"));
        return new BlobProperties(ct != null ? ct : base == null ? "application/octet-stream" : base.contentType(),
                r.header("x-ms-blob-content-encoding"), r.header("x-ms-blob-content-language"),
                r.header("x-ms-blob-content-md5"), r.header("x-ms-blob-cache-control"), r.header("x-ms-blob-content-disposition"),
                tier, base == null ? null : base.tierChanged, base == null ? Map.of() : base.tags,
                base != null && base.sealed, base == null ? null : base.rehydration);
    }

    /** Azure's spelling of an {@code x-ms-access-tier} value (any case), null when absent. */
    static String tier(String header) {
        if (header == null || header.isBlank()) return null;
        for (String t : TIERS) if (t.equalsIgnoreCase(header.trim())) return t;
        throw StorageException.badRequest("InvalidHeaderValue",
                "The value for one of the HTTP headers is not in the correct format. Header: x-ms-access-tier value: " + header + ". Use one of " + TIERS + ".");
    }

    public BlobProperties withMd5(String md5) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, md5, cacheControl, contentDisposition, accessTier, tierChanged,
                tags, sealed, rehydration);
    }

    public BlobProperties withTier(String tier, Long changedAt) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, contentMd5, cacheControl, contentDisposition, tier, changedAt,
                tags, sealed, null);
    }

    public BlobProperties withTags(Map<String, String> newTags) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, contentMd5, cacheControl, contentDisposition, accessTier,
                tierChanged, newTags, sealed, rehydration);
    }

    public BlobProperties sealedNow() {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, contentMd5, cacheControl, contentDisposition, accessTier,
                tierChanged, tags, true, rehydration);
    }

    /** The blob stays archived (reads refused) until {@code r} is due. */
    public BlobProperties rehydrating(Rehydration r) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, contentMd5, cacheControl, contentDisposition, accessTier,
                tierChanged, tags, sealed, r);
    }

    /** These properties as they are at {@code now}: a rehydration that is due has finished, at the time it was due. */
    public BlobProperties at(long now) {
        if (rehydration == null || now < rehydration.due()) return this;
        return withTier(rehydration.target(), rehydration.due());
    }

    /** Whether reads must fail with BlobArchived (also while a rehydration is pending, as in Azure). */
    public boolean archived() { return ARCHIVE.equals(accessTier); }

    /** Azure's {@code x-ms-archive-status}: rehydrate-pending-to-hot (or -cool, -cold), null when none is pending. */
    public String archiveStatus() {
        return rehydration == null ? null : "rehydrate-pending-to-" + rehydration.target().toLowerCase(java.util.Locale.ROOT);
    }
}
