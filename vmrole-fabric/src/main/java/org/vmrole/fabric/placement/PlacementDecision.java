package org.vmrole.fabric.placement;

/** Where an instance goes, or why it waits: {@code host} is null exactly when {@code waitingReason} is set. */
public record PlacementDecision(String instanceKey, String host, int faultDomain, String waitingReason) {

    public boolean placed() {
        return host != null;
    }
}
