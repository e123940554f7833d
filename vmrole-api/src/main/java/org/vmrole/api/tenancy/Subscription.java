package org.vmrole.api.tenancy;

import java.time.Instant;
import org.vmrole.api.http.NameRule;

/** A tenant: owns images, hosted services, storage accounts and beta memberships; calls the API with its keys. */
public record Subscription(String id, String displayName, Instant created, SubscriptionLimits limits) {
    /** Ids appear in URLs and host names, so they keep to DNS-label characters. */
    public static String requireValidId(String id) {
        return NameRule.SUBSCRIPTION.require(id, "id");
    }
}
