package org.vmrole.storage.queue;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.http.ServiceApi;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;

/** placeholder */
public final class QueueApi implements ServiceApi {
    public QueueApi(QueueStore store) {}
    @Override public ErrorFormat errorFormat() { return ErrorFormat.XML; }
    @Override public void handle(StorageRequest r, Access a, StorageResponse resp) { throw StorageException.badRequest("X", "x"); }
}
