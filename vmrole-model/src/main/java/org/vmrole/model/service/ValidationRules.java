package org.vmrole.model.service;

/** The limits a service is checked against and where images are looked up. */
public record ValidationRules(int maxInstancesPerRole, ImageCatalog images) {
    public static final int DEFAULT_MAX_INSTANCES_PER_ROLE = 100;
    public static final int MIN_UPGRADE_DOMAINS = 1;
    public static final int MAX_UPGRADE_DOMAINS = 20;

    public ValidationRules {
        if (maxInstancesPerRole < 1) throw new IllegalArgumentException("maxInstancesPerRole must be at least 1, got " + maxInstancesPerRole);
        if (images == null) throw new IllegalArgumentException("images is null; use ImageCatalog.offline() to skip the existence check");
    }

    /** Default limits; images are only checked for well-formed names. */
    public static ValidationRules offline() {
        return new ValidationRules(DEFAULT_MAX_INSTANCES_PER_ROLE, ImageCatalog.offline());
    }
}
