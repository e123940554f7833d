package org.vmrole.model.blob;

/** A Blob service refusal: the HTTP status, Azure's error code and its message. */
public final class BlobStorageException extends RuntimeException {
    private final int status;
    private final String code;

    public BlobStorageException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() { return status; }

    /** Azure's x-ms-error-code, e.g. LeaseIdMissing, LeaseAlreadyPresent; empty when the service sent none. */
    public String code() { return code; }
}
