package org.vmrole.image;

import java.time.Instant;
import org.vmrole.image.contents.ImageContents;

/**
 * A stored image. {@code digest} ({@code sha256:<hex>}) is the SHA-256 of the stored qcow2: the content address
 * hosts fetch and verify. {@code uploadDigest} is the SHA-256 of the bytes the client uploaded (what the client
 * sent and the repository verified). Sizes are in bytes; {@code actualSize} is the stored qcow2's length.
 * {@code contents} is what upload inspection read inside (OS, kernels, agent, warnings); null for images stored
 * before inspection existed.
 */
public record ImageRecord(String subscription, String name, ImageFormat originalFormat, long virtualSize, long actualSize,
                          String digest, String uploadDigest, Instant created, ImageContents contents) {

    public ImageRecord(String subscription, String name, ImageFormat originalFormat, long virtualSize, long actualSize,
                       String digest, String uploadDigest, Instant created) {
        this(subscription, name, originalFormat, virtualSize, actualSize, digest, uploadDigest, created, null);
    }
}
