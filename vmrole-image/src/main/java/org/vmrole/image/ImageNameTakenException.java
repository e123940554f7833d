package org.vmrole.image;

/** An image refused because its subscription already has one of that name (images are immutable); nothing of it was kept. */
public final class ImageNameTakenException extends ImageRejectedException {
    public ImageNameTakenException(String message) {
        super(message);
    }
}
