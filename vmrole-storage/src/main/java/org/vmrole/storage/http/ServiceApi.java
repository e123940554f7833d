package org.vmrole.storage.http;

import org.vmrole.storage.auth.Access;
import org.vmrole.storage.store.ServiceProperties;

/** One storage service's REST surface (Blob, Queue or Table). */
public interface ServiceApi {
    void handle(StorageRequest request, Access access, StorageResponse response) throws Exception;

    /** Azure's error body for this service: XML for Blob and Queue, JSON for Table. */
    ErrorFormat errorFormat();

    /** The service's properties (logging, metrics, CORS rules) per account. */
    ServiceProperties properties();

    /** How a service renders its errors. */
    enum ErrorFormat { XML, JSON }
}
