package org.vmrole.api.tenancy;

/** The most one subscription may hold at once. */
public record SubscriptionLimits(int cores, int instances, int images, long storageBytes) {
    public static final SubscriptionLimits DEFAULT = new SubscriptionLimits(20, 20, 10, 100L << 30);
}
