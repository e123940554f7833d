package org.vmrole.api.services;

import java.util.ArrayList;
import java.util.List;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.image.ImageUsage;

/** Which of a subscription's deployments run an image, read from the fabric controller: what keeps an image from being deleted. */
public final class FabricImageUsage {
    private FabricImageUsage() {}

    public static ImageUsage of(FabricController fabric) {
        return (subscription, digest) -> {
            List<String> using = new ArrayList<>();
            for (Deployment d : fabric.listDeployments()) {
                if (d.serviceName().startsWith(subscription + "/") && d.roles().stream().map(RoleSpec::imageDigest).anyMatch(digest::equals)) using.add(d.serviceName() + " (" + d.slot() + ")");
            }
            return using;
        };
    }
}
