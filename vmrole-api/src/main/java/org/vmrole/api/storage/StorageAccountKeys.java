package org.vmrole.api.storage;

/** What create, keys and regenerate-key answer: the account's two keys and a connection string for the Azure SDKs. */
public record StorageAccountKeys(String name, String primaryKey, String secondaryKey, String connectionString,
                                 String blobEndpoint, String queueEndpoint, String tableEndpoint) {
    @Override
    public String toString() {
        return "StorageAccountKeys[" + name + "]";
    }
}
