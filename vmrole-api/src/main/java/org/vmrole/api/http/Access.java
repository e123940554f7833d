package org.vmrole.api.http;

/** Who may call a route. */
public enum Access {
    /** No key needed (health, the OpenAPI document). */
    PUBLIC,
    /** Any valid key: a subscription acts on its own resources, the administrator on any. */
    TENANT,
    /** The administrator key only. */
    ADMIN,
    /** A host's join token, checked by the fabric controller itself (not an API key). */
    HOST
}
