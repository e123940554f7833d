package org.vmrole.image;

/** The Blob service that holds the images did not answer or refused a write: nothing was lost, try again later. */
public final class ImageStorageException extends RuntimeException {
    public ImageStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
