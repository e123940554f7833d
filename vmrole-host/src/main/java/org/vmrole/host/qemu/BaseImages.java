package org.vmrole.host.qemu;

import java.nio.file.Path;
import java.util.Map;

/** Where the verified, read-only base image of an image digest lives on this host. */
@FunctionalInterface
public interface BaseImages {
    /**
     * @throws IllegalArgumentException when this host has no such image
     */
    Path resolve(String imageDigest);

    /** A fixed table, for tests and the demo. */
    static BaseImages of(Map<String, Path> images) {
        Map<String, Path> copy = Map.copyOf(images);
        return digest -> {
            Path p = copy.get(digest);
            if (p == null) throw new IllegalArgumentException("image '" + digest + "' is not on this host; known: " + copy.keySet());
            return p;
        };
    }
}
