package org.vmrole.api.auth;

/** Who is calling: the administrator, or one subscription through one of its keys. */
public record Principal(String subscriptionId, String keyId, boolean administrator) {
    public static Principal admin(String keyId) {
        return new Principal(null, keyId, true);
    }

    public static Principal of(String subscriptionId, String keyId) {
        return new Principal(subscriptionId, keyId, false);
    }

    /** How the audit log names this caller. */
    public String actor() {
        return administrator ? "admin(key " + keyId + ")" : subscriptionId + "(key " + keyId + ")";
    }
}
