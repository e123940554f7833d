package org.vmrole.storage;

/** Where a storage service's Blob, Queue and Table endpoints are reached (base URLs without a trailing slash; path-style accounts). */
public record StorageEndpoints(String blob, String queue, String table) {

    /** A connection string the Azure SDKs accept for one account on these endpoints. */
    public String connectionString(String account, String key) {
        return "DefaultEndpointsProtocol=http;AccountName=" + account + ";AccountKey=" + key
                + ";BlobEndpoint=" + blob + "/" + account
                + ";QueueEndpoint=" + queue + "/" + account
                + ";TableEndpoint=" + table + "/" + account + ";";
    }
}
