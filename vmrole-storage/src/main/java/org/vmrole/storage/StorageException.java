package org.vmrole.storage;

/** A request Azure would refuse: carries the HTTP status and Azure's error code for the client. */
public final class StorageException extends RuntimeException {
    private final int status;
    private final String code;

    public StorageException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() { return status; }

    public String code() { return code; }

    public static StorageException badRequest(String code, String message) {
        return new StorageException(400, code, message);
    }

    public static StorageException invalidHeader(String header, String value) {
        return new StorageException(400, "InvalidHeaderValue",
                "The value for one of the HTTP headers is not in the correct format. Header: " + header + (value == null ? "" : " value: " + value));
    }

    public static StorageException invalidQuery(String name, String value) {
        return new StorageException(400, "InvalidQueryParameterValue",
                "Value for one of the query parameters specified in the request URI is invalid. Parameter: " + name + " value: " + value);
    }

    public static StorageException authFailed(String message) {
        return new StorageException(403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. " + message);
    }

    public static StorageException permissionMismatch() {
        return new StorageException(403, "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.");
    }

    public static StorageException notFound(String code, String message) {
        return new StorageException(404, code, message);
    }

    public static StorageException conflict(String code, String message) {
        return new StorageException(409, code, message);
    }

    public static StorageException preconditionFailed() {
        return new StorageException(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
    }
}
