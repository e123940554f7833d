package org.vmrole.image;

/** An upload refused for what it contains (format, backing file, size, digest, corruption); nothing of it was kept. */
public class ImageRejectedException extends ImageRepositoryException {
    public ImageRejectedException(String message) {
        super(message);
    }
}
