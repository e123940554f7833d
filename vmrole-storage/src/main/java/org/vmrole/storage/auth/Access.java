package org.vmrole.storage.auth;

import org.vmrole.storage.StorageException;

/**
 * What an authenticated request may do. Account keys may do anything in their account; a SAS only
 * what its permissions, resource types and scope grant; anonymous callers only read public data.
 */
public record Access(Kind kind, String permissions, String resourceTypes, String scopeContainer, String scopeObject, KeyRange keys) {

    /** A table SAS's entity range (spk/srk to epk/erk, inclusive); null bounds are open. */
    public record KeyRange(String startPk, String startRk, String endPk, String endRk) {
        public boolean contains(String pk, String rk) {
            if (startPk != null) {
                int c = pk.compareTo(startPk);
                if (c < 0 || (c == 0 && startRk != null && rk.compareTo(startRk) < 0)) return false;
            }
            if (endPk != null) {
                int c = pk.compareTo(endPk);
                if (c > 0 || (c == 0 && endRk != null && rk.compareTo(endRk) > 0)) return false;
            }
            return true;
        }
    }

    public Access(Kind kind, String permissions, String resourceTypes, String scopeContainer, String scopeObject) {
        this(kind, permissions, resourceTypes, scopeContainer, scopeObject, null);
    }

    /** Refuses an entity outside a table SAS's key range, as Azure does (403 AuthorizationFailure). */
    public void requireEntity(String pk, String rk) {
        if (keys != null && pk != null && rk != null && !keys.contains(pk, rk)) {
            throw new StorageException(403, "AuthorizationFailure", "This request is not authorized to perform this operation: the entity is outside the SAS key range.");
        }
    }

    /** Whether a query result may be returned under this access (table SAS key ranges). */
    public boolean mayRead(String pk, String rk) {
        return keys == null || keys.contains(pk, rk);
    }

    /** How the caller proved who it is. */
    public enum Kind { ACCOUNT_KEY, ACCOUNT_SAS, SERVICE_SAS, ANONYMOUS }

    public static Access accountKey() { return new Access(Kind.ACCOUNT_KEY, null, null, null, null); }

    public static Access anonymous() { return new Access(Kind.ANONYMOUS, null, null, null, null); }

    public boolean anonymousCaller() { return kind == Kind.ANONYMOUS; }

    /**
     * Checks one operation. {@code resourceType} is Azure's account-SAS level (s service, c container,
     * o object); {@code permission} the SAS letter; container/object name the target.
     */
    public void require(char resourceType, char permission, String container, String object) {
        require(resourceType, String.valueOf(permission), container, object);
    }

    /** As {@link #require(char, char, String, String)}, satisfied by any one of {@code anyOf}'s letters. */
    public void require(char resourceType, String anyOf, String container, String object) {
        switch (kind) {
            case ACCOUNT_KEY -> { }
            case ANONYMOUS -> throw StorageException.authFailed("No Authorization header or SAS was given.");
            case ACCOUNT_SAS -> {
                if (resourceTypes.indexOf(resourceType) < 0) {
                    throw new StorageException(403, "AuthorizationResourceTypeMismatch", "This request is not authorized to perform this operation using this resource type.");
                }
                if (!grants(anyOf)) throw StorageException.permissionMismatch();
            }
            case SERVICE_SAS -> {
                if (resourceType == 's') throw StorageException.permissionMismatch();
                boolean inScope = scopeContainer.equals(container)
                        && (scopeObject == null || scopeObject.equals(object));
                if (!inScope || (resourceType == 'c' && scopeObject != null)) {
                    throw new StorageException(403, "AuthorizationFailure", "This request is not authorized to perform this operation.");
                }
                if (!grants(anyOf)) throw StorageException.permissionMismatch();
            }
        }
    }

    private boolean grants(String anyOf) {
        for (int i = 0; i < anyOf.length(); i++) {
            if (permissions.indexOf(anyOf.charAt(i)) >= 0) return true;
        }
        return false;
    }
}
