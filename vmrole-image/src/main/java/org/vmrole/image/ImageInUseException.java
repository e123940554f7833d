package org.vmrole.image;

import java.util.List;

/** A delete refused because deployments still run the image; names them. */
public final class ImageInUseException extends ImageRepositoryException {
    private final List<String> deployments;

    public ImageInUseException(String image, List<String> deployments) {
        super("image '" + image + "' is used by deployment" + (deployments.size() == 1 ? " " : "s ") + String.join(", ", deployments)
                + "; delete those deployments or upgrade them to another image first");
        this.deployments = List.copyOf(deployments);
    }

    public List<String> deployments() {
        return deployments;
    }
}
