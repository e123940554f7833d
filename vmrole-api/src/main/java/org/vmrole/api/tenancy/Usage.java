package org.vmrole.api.tenancy;

import java.util.ArrayList;
import java.util.List;
import org.vmrole.api.ApiException;

/** What a subscription holds now (or would hold after a change), checked against its limits. */
public record Usage(int cores, int instances, int images, long storageBytes) {

    public Usage plus(Usage d) {
        return new Usage(cores + d.cores, instances + d.instances, images + d.images, storageBytes + d.storageBytes);
    }

    /** Throws one error naming every limit the usage would pass, and by how much. */
    public void requireWithin(SubscriptionLimits limits, String subscriptionId) {
        List<String> over = new ArrayList<>();
        if (cores > limits.cores()) over.add("cores " + cores + " > " + limits.cores());
        if (instances > limits.instances()) over.add("instances " + instances + " > " + limits.instances());
        if (images > limits.images()) over.add("images " + images + " > " + limits.images());
        if (storageBytes > limits.storageBytes()) over.add("storage " + storageBytes + " bytes > " + limits.storageBytes());
        if (!over.isEmpty()) {
            throw new ApiException(409, "QuotaExceeded", "subscription '" + subscriptionId + "' would exceed its limits: "
                    + String.join(", ", over) + ". Free some resources, or ask an administrator to raise the limits.", "limits");
        }
    }
}
