package org.vmrole.api.services;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.vmrole.api.ApiException;
import org.vmrole.api.http.NameRule;

/** A named service of one subscription with two deployment slots, {@code production} and {@code staging}. */
public record HostedService(String subscriptionId, String name, String label, Instant created, Map<String, String> deployments) {
    public static final String PRODUCTION = "production";
    public static final String STAGING = "staging";

    public HostedService {
        deployments = Map.copyOf(deployments == null ? Map.of() : deployments);
    }

    /** Service names become host names of endpoints, so they keep to DNS-label characters. */
    public static String requireValidName(String name) {
        return NameRule.SERVICE.require(name, "name");
    }

    public static String requireValidSlot(String slot) {
        if (!PRODUCTION.equals(slot) && !STAGING.equals(slot)) {
            throw ApiException.badRequest("InvalidSlot", "slot '" + slot + "' must be 'production' or 'staging'", "slot");
        }
        return slot;
    }

    /** The fabric's name for the service: unique across subscriptions. */
    public String qualifiedName() {
        return subscriptionId + "/" + name;
    }

    public HostedService withDeployment(String slot, String deploymentId) {
        Map<String, String> next = new TreeMap<>(deployments);
        if (deploymentId == null) next.remove(slot);
        else next.put(slot, deploymentId);
        return new HostedService(subscriptionId, name, label, created, next);
    }
}
