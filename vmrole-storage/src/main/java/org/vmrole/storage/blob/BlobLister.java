package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.http.Xml;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** List Blobs: prefix, delimiter (virtual directories), marker paging and include=snapshots,metadata. */
final class BlobLister {
    private static final int PAGE = 1000;

    private BlobLister() {}

    static void list(BlobStore store, StorageRequest r, StorageResponse resp, String account, String container) {
        String prefix = r.param("prefix");
        String delimiter = r.param("delimiter");
        String marker = r.param("marker");
        int max = r.intParam("maxresults", 5000, 1, 5000);
        String include = r.param("include") == null ? "" : r.param("include");
        boolean snapshots = include.contains("snapshots");
        boolean withMeta = include.contains("metadata");
        String scanName = "";
        String scanOrder = "";
        boolean inclusive = false;
        if (marker != null && !marker.isEmpty()) {
            String[] m = decodeMarker(marker);
            scanName = m[0];
            scanOrder = snapshotOrder(m[1]);
            inclusive = true;
        }
        StringBuilder items = new StringBuilder();
        int count = 0;
        String lastPrefix = null;
        String next = null;
        outer:
        while (true) {
            List<BlobRow> rows = store.listBlobs(account, container, prefix, scanName, scanOrder, inclusive, snapshots, PAGE);
            inclusive = false;
            for (BlobRow b : rows) {
                scanName = b.name();
                scanOrder = snapshotOrder(b.snapshot());
                if (delimiter != null && !delimiter.isEmpty()) {
                    int from = prefix == null ? 0 : prefix.length();
                    int idx = b.name().indexOf(delimiter, from);
                    if (idx >= 0) {
                        String p = b.name().substring(0, idx + delimiter.length());
                        if (p.equals(lastPrefix)) continue;
                        if (count == max) {
                            next = encodeMarker(b.name(), b.snapshot());
                            break outer;
                        }
                        lastPrefix = p;
                        items.append("<BlobPrefix><Name>").append(Xml.escape(p)).append("</Name></BlobPrefix>");
                        count++;
                        continue;
                    }
                }
                if (count == max) {
                    next = encodeMarker(b.name(), b.snapshot());
                    break outer;
                }
                items.append(blobXml(b, withMeta));
                count++;
            }
            if (rows.size() < PAGE) break;
        }
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"")
                .append(Xml.escape("/" + account)).append("\" ContainerName=\"").append(Xml.escape(container)).append("\">");
        if (prefix != null) sb.append("<Prefix>").append(Xml.escape(prefix)).append("</Prefix>");
        if (marker != null) sb.append("<Marker>").append(Xml.escape(marker)).append("</Marker>");
        sb.append("<MaxResults>").append(max).append("</MaxResults>");
        if (delimiter != null) sb.append("<Delimiter>").append(Xml.escape(delimiter)).append("</Delimiter>");
        sb.append("<Blobs>").append(items).append("</Blobs><NextMarker>").append(next == null ? "" : next).append("</NextMarker></EnumerationResults>");
        resp.status(200).body("application/xml", sb.toString());
    }

    /** Snapshots sort before the base blob, whose snapshot is "". */
    private static String snapshotOrder(String s) { return s.isEmpty() ? "\uffff" : s; }

    private static String encodeMarker(String name, String snapshot) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((name + "\n" + snapshot).getBytes(StandardCharsets.UTF_8));
    }

    private static String[] decodeMarker(String marker) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(marker), StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            if (nl < 0) throw new IllegalArgumentException();
            return new String[]{s.substring(0, nl), s.substring(nl + 1)};
        } catch (IllegalArgumentException e) {
            throw StorageException.invalidQuery("marker", marker);
        }
    }

    static String metadataXml(Map<String, String> meta) {
        StringBuilder sb = new StringBuilder("<Metadata>");
        meta.forEach((k, v) -> sb.append('<').append(k).append('>').append(Xml.escape(v)).append("</").append(k).append('>'));
        return sb.append("</Metadata>").toString();
    }

    private static String blobXml(BlobRow b, boolean withMeta) {
        StringBuilder sb = new StringBuilder("<Blob><Name>").append(Xml.escape(b.name())).append("</Name>");
        if (b.isSnapshot()) sb.append("<Snapshot>").append(b.snapshot()).append("</Snapshot>");
        BlobProperties p = b.props();
        sb.append("<Properties><Creation-Time>").append(StorageResponse.RFC1123.format(Instant.ofEpochMilli(b.created())))
                .append("</Creation-Time><Last-Modified>").append(StorageResponse.RFC1123.format(Instant.ofEpochMilli(b.modified())))
                .append("</Last-Modified><Etag>").append(Xml.escape(b.etag())).append("</Etag><Content-Length>").append(b.size())
                .append("</Content-Length><Content-Type>").append(Xml.escape(p.contentType())).append("</Content-Type>");
        tag(sb, "Content-Encoding", p.contentEncoding());
        tag(sb, "Content-Language", p.contentLanguage());
        tag(sb, "Content-MD5", p.contentMd5());
        tag(sb, "Cache-Control", p.cacheControl());
        tag(sb, "Content-Disposition", p.contentDisposition());
        if (b.type().equals(BlobRow.PAGE)) sb.append("<x-ms-blob-sequence-number>").append(b.sequence()).append("</x-ms-blob-sequence-number>");
        sb.append("<BlobType>").append(b.type()).append("</BlobType>");
        if (!b.isSnapshot()) {
            sb.append("<LeaseStatus>").append(b.lease().status()).append("</LeaseStatus><LeaseState>").append(b.lease().reportedState()).append("</LeaseState>");
            if (b.lease().active()) sb.append("<LeaseDuration>").append(b.lease().duration() < 0 ? "infinite" : "fixed").append("</LeaseDuration>");
        }
        sb.append("<ServerEncrypted>false</ServerEncrypted>");
        if (b.type().equals(BlobRow.BLOCK)) {
            if (p.accessTier() == null) sb.append("<AccessTier>Hot</AccessTier><AccessTierInferred>true</AccessTierInferred>");
            else sb.append("<AccessTier>").append(p.accessTier()).append("</AccessTier>");
            if (p.tierChanged() != null) {
                sb.append("<AccessTierChangeTime>").append(StorageResponse.RFC1123.format(java.time.Instant.ofEpochMilli(p.tierChanged()))).append("</AccessTierChangeTime>");
            }
        }
        sb.append("</Properties>");
        if (withMeta) sb.append(metadataXml(b.metadata()));
        return sb.append("</Blob>").toString();
    }

    private static void tag(StringBuilder sb, String name, String value) {
        sb.append('<').append(name).append('>');
        if (value != null) sb.append(Xml.escape(value));
        sb.append("</").append(name).append('>');
    }
}
