package org.vmrole.model.host;

/**
 * An image the controller wants hosts to hold in their cache ahead of need (a deployment runs it, or it was just
 * uploaded): its digest and the stored qcow2's size in bytes, so a host can tell whether it fits before fetching.
 */
public record WantedImage(String digest, long bytes) {
    public WantedImage {
        if (digest == null || digest.isBlank()) throw new IllegalArgumentException("a wanted image names its digest");
        if (bytes < 0) throw new IllegalArgumentException("image " + digest + " has a negative size " + bytes);
    }
}
