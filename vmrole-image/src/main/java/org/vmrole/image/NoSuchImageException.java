package org.vmrole.image;

/** The image, blob or upload session asked for does not exist (or has expired). */
public final class NoSuchImageException extends ImageRepositoryException {
    public NoSuchImageException(String message) {
        super(message);
    }
}
