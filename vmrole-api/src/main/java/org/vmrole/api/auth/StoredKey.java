package org.vmrole.api.auth;

import java.time.Instant;

/** An API key as the store keeps it: never the secret, only its hash. {@code subscriptionId} is null for administrator keys. */
public record StoredKey(String id, String subscriptionId, String hash, String description, Instant created, Instant revoked) {

    public boolean administrator() {
        return subscriptionId == null;
    }

    public StoredKey revokedAt(Instant when) {
        return new StoredKey(id, subscriptionId, hash, description, created, when);
    }
}
