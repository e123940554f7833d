package org.vmrole.image;

/** A request the image repository refuses; the message says why and what to do, fit to show a person. */
public class ImageRepositoryException extends RuntimeException {
    public ImageRepositoryException(String message) {
        super(message);
    }

    public ImageRepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
