package org.vmrole.api.storage;

import java.time.Instant;

/** A tenant's storage account as the store keeps it: its keys are secrets, shown only by the keys calls. */
public record StorageAccountRecord(String name, String subscriptionId, String primaryKey, String secondaryKey, Instant created) {

    /** The account with one of its keys replaced. */
    public StorageAccountRecord withKey(KeyName which, String key) {
        return which == KeyName.PRIMARY ? new StorageAccountRecord(name, subscriptionId, key, secondaryKey, created)
                : new StorageAccountRecord(name, subscriptionId, primaryKey, key, created);
    }

    /** Never prints the keys (records end up in exceptions and debug output). */
    @Override
    public String toString() {
        return "StorageAccountRecord[" + name + " of " + subscriptionId + ", created " + created + "]";
    }

    /** Which of the two keys. */
    public enum KeyName {
        PRIMARY, SECONDARY;

        static KeyName parse(String s) {
            if (s == null || s.isBlank() || s.equalsIgnoreCase("primary")) return PRIMARY;
            if (s.equalsIgnoreCase("secondary")) return SECONDARY;
            throw org.vmrole.api.ApiException.badRequest("InvalidKeyName", "key '" + s + "' must be 'primary' or 'secondary'", "key");
        }
    }
}
