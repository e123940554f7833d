package org.vmrole.api.tenancy;

/** The most one subscription may hold at once. {@code storageAccounts} is null in records written before it existed: the default then. */
public record SubscriptionLimits(int cores, int instances, int images, long storageBytes, Integer storageAccounts) {
    public static final int DEFAULT_STORAGE_ACCOUNTS = 5;
    public static final SubscriptionLimits DEFAULT = new SubscriptionLimits(20, 20, 10, 100L << 30, DEFAULT_STORAGE_ACCOUNTS);

    public SubscriptionLimits {
        if (storageAccounts == null) storageAccounts = DEFAULT_STORAGE_ACCOUNTS;
    }

    /** Limits with the default number of storage accounts. */
    public SubscriptionLimits(int cores, int instances, int images, long storageBytes) {
        this(cores, instances, images, storageBytes, DEFAULT_STORAGE_ACCOUNTS);
    }
}
