package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;

import java.util.List;

/**
 * The HTTP properties a blob keeps and returns (Content-Type, MD5, ...) and its access tier (null:
 * the account default, Hot, reported as inferred).
 */
public record BlobProperties(String contentType, String contentEncoding, String contentLanguage, String contentMd5,
                             String cacheControl, String contentDisposition, String accessTier, Long tierChanged) {

    /** The tiers of a standard account's block blobs, spelled as Azure answers them. */
    static final List<String> TIERS = List.of("Hot", "Cool", "Cold", "Archive");
    static final String ARCHIVE = "Archive";

    public static final BlobProperties DEFAULT = new BlobProperties("application/octet-stream", null, null, null, null, null, null, null);

    /** Properties from Put Blob headers (the body's own Content-* headers). */
    public static BlobProperties fromUpload(StorageRequest r) {
        String ct = r.header("Content-Type");
        String tier = tier(r.header("x-ms-access-tier"));
        return new BlobProperties(ct == null ? "application/octet-stream" : ct, r.header("Content-Encoding"),
                r.header("Content-Language"), null, r.header("Cache-Control"), r.header("Content-Disposition"), tier, null);
    }

    /** Properties from the {@code x-ms-blob-*} headers of Put Block List, Set Blob Properties and Put Page Blob. */
    public static BlobProperties fromMsHeaders(StorageRequest r, BlobProperties base) {
        String ct = r.header("x-ms-blob-content-type");
        String tier = base != null ? base.accessTier : tier(r.header("x-ms-access-tier"));
        return new BlobProperties(ct != null ? ct : base == null ? "application/octet-stream" : base.contentType(),
                r.header("x-ms-blob-content-encoding"), r.header("x-ms-blob-content-language"),
                r.header("x-ms-blob-content-md5"), r.header("x-ms-blob-cache-control"), r.header("x-ms-blob-content-disposition"),
                tier, base == null ? null : base.tierChanged);
    }

    /** Azure's spelling of an {@code x-ms-access-tier} value (any case), null when absent. */
    static String tier(String header) {
        if (header == null || header.isBlank()) return null;
        for (String t : TIERS) if (t.equalsIgnoreCase(header.trim())) return t;
        throw StorageException.badRequest("InvalidHeaderValue",
                "The value for one of the HTTP headers is not in the correct format. Header: x-ms-access-tier value: " + header + ". Use one of " + TIERS + ".");
    }

    public BlobProperties withMd5(String md5) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, md5, cacheControl, contentDisposition, accessTier, tierChanged);
    }

    public BlobProperties withTier(String tier, Long changedAt) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, contentMd5, cacheControl, contentDisposition, tier, changedAt);
    }

    /** Whether reads must fail with BlobArchived. */
    public boolean archived() { return ARCHIVE.equals(accessTier); }
}
