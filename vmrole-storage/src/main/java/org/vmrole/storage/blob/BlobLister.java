package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.http.XmlWriter;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** List Blobs: prefix, delimiter (virtual directories), marker paging and include=snapshots,metadata,tags. */
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
        boolean withTags = include.contains("tags");
        String scanName = "";
        String scanOrder = "";
        boolean inclusive = false;
        if (marker != null && !marker.isEmpty()) {
            String[] m = decodeMarker(marker);
            scanName = m[0];
            scanOrder = snapshotOrder(m[1]);
            inclusive = true;
        }
        XmlWriter xml = XmlWriter.document().start("EnumerationResults").attribute("ServiceEndpoint", "/" + account)
                .attribute("ContainerName", container).optional("Prefix", prefix).optional("Marker", marker).element("MaxResults", max)
                .optional("Delimiter", delimiter).start("Blobs");
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
                        xml.start("BlobPrefix").element("Name", p).end();
                        count++;
                        continue;
                    }
                }
                if (count == max) {
                    next = encodeMarker(b.name(), b.snapshot());
                    break outer;
                }
                blobXml(xml, b, withMeta, withTags);
                count++;
            }
            if (rows.size() < PAGE) break;
        }
        resp.status(200).body("application/xml", xml.end().element("NextMarker", next == null ? "" : next).finish());
    }

    /** Snapshots sort before the base blob, whose snapshot is "". */
    private static String snapshotOrder(String s) { return s.isEmpty() ? "\uffff" : s; }

    /** A continuation marker naming two keys (name and snapshot, or container and name). */
    static String encodeMarker(String name, String snapshot) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((name + "\n" + snapshot).getBytes(StandardCharsets.UTF_8));
    }

    static String[] decodeMarker(String marker) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(marker), StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            if (nl < 0) throw new IllegalArgumentException();
            return new String[]{s.substring(0, nl), s.substring(nl + 1)};
        } catch (IllegalArgumentException e) {
            throw StorageException.invalidQuery("marker", marker);
        }
    }

    static void metadataXml(XmlWriter xml, Map<String, String> meta) {
        xml.start("Metadata");
        meta.forEach(xml::element);
        xml.end();
    }

    private static void blobXml(XmlWriter xml, BlobRow b, boolean withMeta, boolean withTags) {
        xml.start("Blob").element("Name", b.name());
        if (b.isSnapshot()) xml.element("Snapshot", b.snapshot());
        BlobProperties p = b.props();
        xml.start("Properties").element("Creation-Time", date(b.created())).element("Last-Modified", date(b.modified()))
                .element("Etag", b.etag()).element("Content-Length", b.size()).element("Content-Type", p.contentType())
                .element("Content-Encoding", p.contentEncoding()).element("Content-Language", p.contentLanguage())
                .element("Content-MD5", p.contentMd5()).element("Cache-Control", p.cacheControl())
                .element("Content-Disposition", p.contentDisposition());
        if (b.type().equals(BlobRow.PAGE)) xml.element("x-ms-blob-sequence-number", b.sequence());
        xml.element("BlobType", b.type());
        if (!b.isSnapshot()) {
            xml.element("LeaseStatus", b.lease().status()).element("LeaseState", b.lease().reportedState());
            if (b.lease().active()) xml.element("LeaseDuration", b.lease().duration() < 0 ? "infinite" : "fixed");
        }
        xml.element("ServerEncrypted", "false");
        if (b.type().equals(BlobRow.BLOCK)) {
            xml.element("AccessTier", p.accessTier() == null ? "Hot" : p.accessTier());
            if (p.accessTier() == null) xml.element("AccessTierInferred", "true");
            if (p.tierChanged() != null) xml.element("AccessTierChangeTime", date(p.tierChanged()));
            xml.optional("ArchiveStatus", p.archiveStatus()).optional("RehydratePriority", p.rehydration() == null ? null : p.rehydration().priority());
        }
        if (!p.tags().isEmpty()) xml.element("TagCount", p.tags().size());
        if (p.sealed()) xml.element("Sealed", "true");
        xml.end();
        if (withMeta) metadataXml(xml, b.metadata());
        if (withTags && !p.tags().isEmpty()) BlobTags.write(xml, p.tags());
        xml.end();
    }

    private static String date(long epochMs) {
        return StorageResponse.RFC1123.format(Instant.ofEpochMilli(epochMs));
    }
}
