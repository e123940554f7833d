package org.vmrole.api.tenancy;

import java.time.Instant;
import java.util.regex.Pattern;
import org.vmrole.api.ApiException;

/** A tenant: owns images, hosted services, storage accounts and beta memberships; calls the API with its keys. */
public record Subscription(String id, String displayName, Instant created, SubscriptionLimits limits) {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{1,38}[a-z0-9]");

    /** Ids appear in URLs and host names, so they keep to DNS-label characters. */
    public static String requireValidId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.badRequest("InvalidSubscriptionId", "subscription id '" + id
                    + "' must be 3-40 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'", "id");
        }
        return id;
    }
}
