package org.vmrole.api.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.vmrole.api.beta.BetaPrograms;
import org.vmrole.api.storage.StorageAccounts;
import org.vmrole.api.tenancy.Holdings;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.store.Write;
import org.vmrole.image.ImageRecord;
import org.vmrole.image.ImageRepository;

/**
 * A subscription's services, storage accounts, deployments (also those still being deleted: their VMs still run), images and uploads:
 * while any is left the subscription cannot be deleted. Its beta requests, ownership records go
 * with it, so an id created again starts empty.
 */
public final class SubscriptionContents implements Holdings {
    private final HostedServices services;
    private final FabricController fabric;
    private final ImageRepository images;
    private final List<Ownership> owners;
    private final BetaPrograms beta;
    private final StorageAccounts storageAccounts;

    public SubscriptionContents(HostedServices services, FabricController fabric, ImageRepository images, List<Ownership> owners, BetaPrograms beta,
                                StorageAccounts storageAccounts) {
        this.storageAccounts = storageAccounts;
        this.services = services;
        this.fabric = fabric;
        this.images = images;
        this.owners = owners;
        this.beta = beta;
    }

    @Override
    public List<String> held(String subscriptionId) {
        List<String> held = new ArrayList<>();
        for (HostedService s : services.list(subscriptionId)) held.add("service " + s.name());
        for (String a : storageAccounts.names(subscriptionId)) held.add("storage account " + a);
        for (Deployment d : fabric.listDeployments()) {
            if (d.serviceName().startsWith(subscriptionId + "/")) {
                held.add("deployment " + d.id() + " (" + d.serviceName().substring(subscriptionId.length() + 1) + " " + d.slot()
                        + (d.deleting() ? ", still stopping" : "") + ")");
            }
        }
        try {
            for (ImageRecord i : images.list(subscriptionId)) held.add("image " + i.name());
            // an upload's owner record outlives the upload (committed, abandoned or swept): only one still on disk counts
            List<String> inProgress = images.uploadsInProgress();
            for (Ownership o : owners) {
                if (!o.kind().equals("Upload")) continue;
                o.ownedBy(subscriptionId).forEach((id, owner) -> {
                    if (inProgress.contains(id)) held.add("upload " + id + " (" + owner.service() + ")");
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image catalog: " + e.getMessage(), e);
        }
        return held;
    }

    @Override
    public List<Write> leftovers(String subscriptionId) {
        List<Write> writes = new ArrayList<>(beta.forget(subscriptionId));
        for (Ownership o : owners) writes.addAll(o.forget(subscriptionId));
        return writes;
    }
}
