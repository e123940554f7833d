package org.vmrole.image;

import java.util.List;

/**
 * Which of a subscription's deployments run an image, by its digest; the controller answers it. Only the
 * subscription's own: another tenant running an identical image neither keeps this one from being deleted nor has
 * its deployment's name shown.
 */
@FunctionalInterface
public interface ImageUsage {
    List<String> deploymentsUsing(String subscription, String digest);

    static ImageUsage none() {
        return (subscription, digest) -> List.of();
    }
}
