package org.vmrole.storage.table;

import java.util.Map;

/** A table entity: its keys, server timestamp and ETag, and its custom properties in insertion order. */
public record Entity(String partitionKey, String rowKey, long timestamp, String etag, Map<String, Prop> properties) {}
