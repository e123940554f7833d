package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.auth.SignedIdentifiers;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.http.XmlWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Container operations: create, properties, metadata, ACL, lease, delete, list containers and list blobs. */
final class ContainerHandler {
    private final BlobStore store;

    ContainerHandler(BlobStore store) {
        this.store = store;
    }

    void handle(StorageRequest r, Access access, StorageResponse resp, String container) throws IOException {
        String method = r.method();
        String comp = r.param("comp");
        String account = r.account();
        if ("list".equals(comp) && "GET".equals(method)) {
            ContainerRow row = store.container(account, container);
            if (!access.anonymousCaller() || !"container".equals(row.publicAccess())) access.require('c', 'l', container, null);
            BlobLister.list(store, r, resp, account, container);
            return;
        }
        if (!r.hasParam("restype", "container")) throw BlobApi.unsupported();
        if ("GET".equals(method) && "blobs".equals(comp)) {
            access.require('c', 'f', container, null);
            BlobFinder.find(store, r, resp, account, container);
            return;
        }
        switch (method + " " + (comp == null ? "" : comp)) {
            case "PUT " -> {
                access.require('c', 'c', container, null);
                String publicAccess = publicAccess(r);
                ContainerRow row = store.createContainer(account, container, r.metadata(), publicAccess);
                resp.header("ETag", row.etag()).date("Last-Modified", java.time.Instant.ofEpochMilli(row.modified())).empty(201);
            }
            case "GET ", "HEAD " -> {
                ContainerRow row = store.container(account, container);
                if (!access.anonymousCaller() || !"container".equals(row.publicAccess())) access.require('c', 'r', container, null);
                row.lease().checkRead(r.header("x-ms-lease-id"), "Container");
                headers(resp, row);
                resp.empty(200);
            }
            case "DELETE " -> {
                access.require('c', 'd', container, null);
                Conditions cond = Conditions.from(r);
                if (cond.ifMatch() != null || cond.ifNoneMatch() != null) {
                    throw StorageException.badRequest("UnsupportedHeader", "One of the HTTP headers specified in the request is not supported: If-Match/If-None-Match on a container.");
                }
                String leaseId = r.header("x-ms-lease-id");
                store.deleteContainer(account, container, row -> {
                    row.lease().checkWrite(leaseId, "Container");
                    cond.checkWrite(row.etag(), row.modified(), "ContainerAlreadyExists");
                });
                resp.empty(202);
            }
            case "PUT metadata" -> {
                access.require('c', 'w', container, null);
                Map<String, String> meta = r.metadata();
                String leaseId = r.header("x-ms-lease-id");
                Conditions cond = Conditions.from(r);
                ContainerRow row = store.updateContainer(account, container, c -> {
                    c.lease().checkRead(leaseId, "Container");
                    cond.checkWrite(c.etag(), c.modified(), "ContainerAlreadyExists");
                }, c -> new ContainerRow(c.name(), c.etag(), c.modified(), meta, c.publicAccess(), c.acl(), c.lease()), true);
                resp.header("ETag", row.etag()).date("Last-Modified", java.time.Instant.ofEpochMilli(row.modified())).empty(200);
            }
            case "GET metadata" -> {
                access.require('c', 'r', container, null);
                ContainerRow row = store.container(account, container);
                headers(resp, row);
                resp.empty(200);
            }
            case "GET acl", "HEAD acl" -> {
                access.require('c', 'r', container, null);
                ContainerRow row = store.container(account, container);
                row.lease().checkRead(r.header("x-ms-lease-id"), "Container");
                resp.header("ETag", row.etag()).date("Last-Modified", java.time.Instant.ofEpochMilli(row.modified()))
                        .header("x-ms-blob-public-access", row.publicAccess());
                resp.body("application/xml", SignedIdentifiers.parse(row.acl()).toXml());
            }
            case "PUT acl" -> {
                access.require('c', 'w', container, null);
                String publicAccess = publicAccess(r);
                String acl = SignedIdentifiers.read(r.body()).stored();
                String leaseId = r.header("x-ms-lease-id");
                Conditions cond = Conditions.from(r);
                ContainerRow row = store.updateContainer(account, container, c -> {
                    c.lease().checkRead(leaseId, "Container");
                    cond.checkWrite(c.etag(), c.modified(), "ContainerAlreadyExists");
                }, c -> new ContainerRow(c.name(), c.etag(), c.modified(), c.metadata(), publicAccess, acl, c.lease()), true);
                resp.header("ETag", row.etag()).date("Last-Modified", java.time.Instant.ofEpochMilli(row.modified())).empty(200);
            }
            case "PUT lease" -> {
                access.require('c', 'w', container, null);
                lease(r, resp, account, container);
            }
            default -> throw BlobApi.unsupported();
        }
    }

    private void lease(StorageRequest r, StorageResponse resp, String account, String container) {
        String action = r.header("x-ms-lease-action");
        String leaseId = r.header("x-ms-lease-id");
        String proposed = r.header("x-ms-proposed-lease-id");
        long now = store.now();
        Conditions cond = Conditions.from(r);
        ContainerRow row = store.updateContainer(account, container, c -> cond.checkWrite(c.etag(), c.modified(), "ContainerAlreadyExists"),
                c -> new ContainerRow(c.name(), c.etag(), c.modified(), c.metadata(), c.publicAccess(), c.acl(),
                        LeaseAction.apply(c.lease(), action, leaseId, proposed, r, now)), false);
        LeaseAction.respond(resp, row.lease(), action, now, row.etag(), row.modified());
    }

    private static String publicAccess(StorageRequest r) {
        String v = r.header("x-ms-blob-public-access");
        if (v == null || v.isEmpty()) return null;
        if (!v.equals("container") && !v.equals("blob")) throw StorageException.invalidHeader("x-ms-blob-public-access", v);
        return v;
    }

    private static void headers(StorageResponse resp, ContainerRow row) {
        resp.header("ETag", row.etag()).date("Last-Modified", java.time.Instant.ofEpochMilli(row.modified()))
                .metadata(row.metadata())
                .header("x-ms-lease-status", row.lease().status()).header("x-ms-lease-state", row.lease().reportedState())
                .header("x-ms-lease-duration", row.lease().active() ? (row.lease().duration() < 0 ? "infinite" : "fixed") : null)
                .header("x-ms-blob-public-access", row.publicAccess())
                .header("x-ms-has-immutability-policy", "false").header("x-ms-has-legal-hold", "false");
    }

    void list(StorageRequest r, StorageResponse resp) {
        String prefix = r.param("prefix");
        String marker = r.param("marker");
        int max = r.intParam("maxresults", 5000, 1, 5000);
        boolean withMeta = r.param("include") != null && r.param("include").contains("metadata");
        List<ContainerRow> rows = new ArrayList<>(store.listContainers(r.account(), prefix, marker, max));
        String next = null;
        if (rows.size() > max) {
            next = rows.get(max - 1).name();
            rows = rows.subList(0, max);
        }
        XmlWriter xml = XmlWriter.document().start("EnumerationResults").attribute("ServiceEndpoint", "/" + r.account())
                .optional("Prefix", prefix).optional("Marker", marker).element("MaxResults", max).start("Containers");
        for (ContainerRow c : rows) {
            xml.start("Container").element("Name", c.name()).start("Properties")
                    .element("Last-Modified", StorageResponse.RFC1123.format(java.time.Instant.ofEpochMilli(c.modified())))
                    .element("Etag", c.etag()).element("LeaseStatus", c.lease().status()).element("LeaseState", c.lease().reportedState())
                    .optional("PublicAccess", c.publicAccess()).element("HasImmutabilityPolicy", "false").element("HasLegalHold", "false").end();
            if (withMeta) BlobLister.metadataXml(xml, c.metadata());
            xml.end();
        }
        resp.status(200).body("application/xml", xml.end().element("NextMarker", next == null ? "" : next).finish());
    }

    void accountInfo(StorageResponse resp) {
        resp.header("x-ms-sku-name", "Standard_LRS").header("x-ms-account-kind", "StorageV2").header("x-ms-is-hns-enabled", "false").empty(200);
    }

    static String newLeaseId() { return UUID.randomUUID().toString(); }
}
