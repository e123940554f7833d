package org.vmrole.image;

import java.util.List;

/** Which deployments run an image, by its digest; the controller answers it. */
@FunctionalInterface
public interface ImageUsage {
    List<String> deploymentsUsing(String digest);

    static ImageUsage none() {
        return digest -> List.of();
    }
}
