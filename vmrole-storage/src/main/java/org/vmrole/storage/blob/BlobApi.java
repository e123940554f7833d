package org.vmrole.storage.blob;

import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.http.ServiceApi;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.store.ServiceProperties;

import java.time.Clock;

/** The Blob service's REST surface: routes each call to the container, blob or page handler. */
public final class BlobApi implements ServiceApi {
    private final BlobStore store;
    private final ContainerHandler containers;
    private final BlobHandler blobs;
    private final PageBlobHandler pages;
    private final ServiceProperties properties;

    public BlobApi(BlobStore store, Clock clock) {
        this.store = store;
        this.properties = store.serviceProperties();
        this.containers = new ContainerHandler(store);
        this.pages = new PageBlobHandler(store);
        this.blobs = new BlobHandler(store, pages);
    }

    @Override
    public ErrorFormat errorFormat() { return ErrorFormat.XML; }

    @Override
    public ServiceProperties properties() { return properties; }

    @Override
    public void handle(StorageRequest r, Access access, StorageResponse resp) throws Exception {
        String path = r.resourcePath();
        String method = r.method();
        String comp = r.param("comp");
        if (r.header("x-ms-lease-id") != null) LeaseAction.checkId(r.header("x-ms-lease-id"));
        if (path.isEmpty()) {
            if ("GET".equals(method) && "list".equals(comp)) {
                access.require('s', 'l', null, null);
                containers.list(r, resp);
            } else if ("GET".equals(method) && "blobs".equals(comp)) {
                access.require('s', 'f', null, null);
                BlobFinder.find(store, r, resp, r.account(), null);
            } else if (r.hasParam("restype", "account") && "properties".equals(comp)) {
                containers.accountInfo(resp);
            } else {
                throw unsupported();
            }
            return;
        }
        int slash = path.indexOf('/');
        String container = slash < 0 ? path : path.substring(0, slash);
        if (slash < 0 || (slash == path.length() - 1 && r.hasParam("restype", "container"))) {
            Names.container(container);
            containers.handle(r, access, resp, container);
            return;
        }
        Names.container(container);
        String blob = Names.blob(path.substring(slash + 1));
        blobs.handle(r, access, resp, container, blob);
    }

    static StorageException unsupported() {
        return StorageException.badRequest("UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb or query parameters.");
    }
}
