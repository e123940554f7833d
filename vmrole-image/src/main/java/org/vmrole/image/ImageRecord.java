package org.vmrole.image;

import java.time.Instant;

/**
 * A stored image. {@code digest} ({@code sha256:<hex>}) is the SHA-256 of the stored qcow2: the content address
 * hosts fetch and verify. {@code uploadDigest} is the SHA-256 of the bytes the client uploaded (what the client
 * sent and the repository verified). Sizes are in bytes; {@code actualSize} is the stored qcow2's length.
 */
public record ImageRecord(String subscription, String name, ImageFormat originalFormat, long virtualSize, long actualSize,
                          String digest, String uploadDigest, Instant created) {
}
