package org.vmrole.api.storage;

import java.time.Instant;

/** A storage account as listed and shown: where it is reached, never its keys. */
public record StorageAccountView(String name, String subscriptionId, Instant created, String blobEndpoint, String queueEndpoint, String tableEndpoint) {}
