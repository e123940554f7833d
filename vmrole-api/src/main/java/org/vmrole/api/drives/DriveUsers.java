package org.vmrole.api.drives;

import java.util.ArrayList;
import java.util.List;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.host.DriveAttachment;

/** Which of a subscription's deployments bind a drive (and how), named for the error that refuses to delete it. Pure. */
public final class DriveUsers {
    private DriveUsers() {}

    /** Drive names are unique in a subscription, so its deployments name the drive by its blob {@code drives/NAME.vhd}. */
    public static List<String> of(List<Deployment> deployments, String subscriptionId, String drive) {
        String prefix = subscriptionId + "/";
        String blob = "/" + Drives.CONTAINER + "/" + drive + ".vhd";
        List<String> users = new ArrayList<>();
        for (Deployment d : deployments) {
            if (!d.serviceName().startsWith(prefix)) continue;
            for (RoleSpec r : d.roles()) {
                for (DriveAttachment a : r.drives()) {
                    if (!a.blobUrl().endsWith(blob)) continue;
                    users.add("deployment " + d.id() + " (" + d.serviceName().substring(prefix.length()) + " " + d.slot() + ") role " + r.name()
                            + (a.writable() ? " for writing" : " as snapshots") + (d.deleting() ? ", still stopping" : ""));
                }
            }
        }
        return users;
    }
}
