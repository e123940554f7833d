package org.vmrole.api.services;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.vmrole.api.ApiException;

/** A named service of one subscription with two deployment slots, {@code production} and {@code staging}. */
public record HostedService(String subscriptionId, String name, String label, Instant created, Map<String, String> deployments) {
    public static final String PRODUCTION = "production";
    public static final String STAGING = "staging";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{1,61}[a-z0-9]");

    public HostedService {
        deployments = Map.copyOf(deployments == null ? Map.of() : deployments);
    }

    /** Service names become host names of endpoints, so they keep to DNS-label characters. */
    public static String requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("InvalidServiceName", "service name '" + name
                    + "' must be 3-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'", "name");
        }
        return name;
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
