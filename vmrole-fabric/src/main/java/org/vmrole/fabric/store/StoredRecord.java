package org.vmrole.fabric.store;

/** A value as stored, with the revision of the write that last changed it. */
public record StoredRecord(String key, String value, long revision) {
}
