package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.http.XmlWriter;

import java.util.List;
import java.util.Map;

/** Find Blobs by Tags, over the account or one container: the blobs whose index tags satisfy {@code where}. */
final class BlobFinder {
    private static final int PAGE = 1000;

    private BlobFinder() {}

    static void find(BlobStore store, StorageRequest r, StorageResponse resp, String account, String container) {
        String where = r.param("where");
        if (where == null) {
            throw StorageException.badRequest("MissingRequiredQueryParameter", "A query parameter that's mandatory for this request is not specified: where.");
        }
        TagFilter filter = TagFilter.where(where);
        int max = r.intParam("maxresults", 5000, 1, 5000);
        String[] after = r.param("marker") == null || r.param("marker").isEmpty() ? new String[]{"", ""} : BlobLister.decodeMarker(r.param("marker"));
        XmlWriter xml = XmlWriter.document().start("EnumerationResults").attribute("ServiceEndpoint", "/" + account)
                .element("Where", where).start("Blobs");
        int count = 0;
        String next = null;
        outer:
        while (true) {
            List<BlobRow> rows = store.blobsAfter(account, container, after[0], after[1], PAGE);
            for (BlobRow b : rows) {
                Map<String, String> tags = b.props().tags();
                if (!filter.matches(b.container(), tags)) continue;
                if (count == max) {
                    next = BlobLister.encodeMarker(after[0], after[1]);
                    break outer;
                }
                xml.start("Blob").element("Name", b.name()).element("ContainerName", b.container());
                BlobTags.write(xml, filter.named(tags));
                xml.end();
                count++;
                after = new String[]{b.container(), b.name()};
            }
            if (rows.size() < PAGE) break;
            BlobRow last = rows.get(rows.size() - 1);
            after = new String[]{last.container(), last.name()};
        }
        resp.status(200).body("application/xml", xml.end().element("NextMarker", next == null ? "" : next).finish());
    }
}
