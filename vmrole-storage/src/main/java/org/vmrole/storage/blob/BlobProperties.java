package org.vmrole.storage.blob;

import org.vmrole.storage.http.StorageRequest;

/** The HTTP properties a blob keeps and returns (Content-Type, MD5, ...). */
public record BlobProperties(String contentType, String contentEncoding, String contentLanguage, String contentMd5,
                             String cacheControl, String contentDisposition) {

    public static final BlobProperties DEFAULT = new BlobProperties("application/octet-stream", null, null, null, null, null);

    /** Properties from Put Blob headers (the body's own Content-* headers). */
    public static BlobProperties fromUpload(StorageRequest r) {
        String ct = r.header("Content-Type");
        return new BlobProperties(ct == null ? "application/octet-stream" : ct, r.header("Content-Encoding"),
                r.header("Content-Language"), null, r.header("Cache-Control"), r.header("Content-Disposition"));
    }

    /** Properties from the {@code x-ms-blob-*} headers of Put Block List, Set Blob Properties and Put Page Blob. */
    public static BlobProperties fromMsHeaders(StorageRequest r, BlobProperties base) {
        String ct = r.header("x-ms-blob-content-type");
        return new BlobProperties(ct != null ? ct : base == null ? "application/octet-stream" : base.contentType(),
                r.header("x-ms-blob-content-encoding"), r.header("x-ms-blob-content-language"),
                r.header("x-ms-blob-content-md5"), r.header("x-ms-blob-cache-control"), r.header("x-ms-blob-content-disposition"));
    }

    public BlobProperties withMd5(String md5) {
        return new BlobProperties(contentType, contentEncoding, contentLanguage, md5, cacheControl, contentDisposition);
    }
}
