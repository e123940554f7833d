package org.vmrole.api.services;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.store.Optimistic;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/** Hosted services in the store, each visible to its own subscription (and the administrator) only. */
public final class HostedServices {
    private final Store store;
    private final AuditLog audit;
    private final Clock clock;
    private final JsonRecords<HostedService> services;
    private final Tenants tenants;

    public HostedServices(Store store, ObjectMapper json, AuditLog audit, Clock clock, Tenants tenants) {
        this.tenants = tenants;
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.services = new JsonRecords<>(json, "/api/services/", HostedService.class);
    }

    private static String id(String subscriptionId, String name) {
        return subscriptionId + "/" + name;
    }

    /** The subscription a caller acts for; the administrator names it with {@code ?subscription=}. */
    public static String subscriptionOf(Principal who, String requested) {
        if (!who.administrator()) return who.subscriptionId();
        if (requested == null || requested.isBlank()) {
            throw ApiException.badRequest("SubscriptionRequired", "the administrator acts for a subscription: add ?subscription=ID", "subscription");
        }
        return requested;
    }

    public HostedService create(Principal who, String subscriptionId, String name, String label) {
        return Optimistic.retry(() -> {
            HostedService.requireValidName(name);
            NameRule.requireText(label, "label");
            tenants.get(who, subscriptionId);
            if (services.get(store, id(subscriptionId, name)).isPresent()) {
                throw ApiException.conflict("ServiceExists", "service '" + name + "' already exists", name);
            }
            HostedService s = new HostedService(subscriptionId, name, label == null || label.isBlank() ? name : label, clock.instant(), null);
            store.commit(List.of(services.put(id(subscriptionId, name), s, Store.ABSENT), audit.record(entry(who, subscriptionId, "service.create", name))));
            return s;
        });
    }

    public Versioned<HostedService> get(String subscriptionId, String name) {
        return services.get(store, id(subscriptionId, name)).orElseThrow(() -> ApiException.notFound("Service", name));
    }

    public List<HostedService> list(String subscriptionId) {
        return services.list(store).stream().map(Versioned::value).filter(s -> s.subscriptionId().equals(subscriptionId)).toList();
    }

    /** Every service of every subscription, with the revisions read. */
    public List<Versioned<HostedService>> all() {
        return services.list(store);
    }

    public void delete(Principal who, String subscriptionId, String name) {
        Optimistic.retry(() -> {
            Versioned<HostedService> s = get(subscriptionId, name);
            if (!s.value().deployments().isEmpty()) {
                throw ApiException.conflict("ServiceHasDeployments", "service '" + name + "' still has deployments in " + s.value().deployments().keySet()
                        + "; delete them first (./vmrole delete " + name + " --slot SLOT)", name);
            }
            store.commit(List.of(services.delete(id(subscriptionId, name), s.revision()), audit.record(entry(who, subscriptionId, "service.delete", name))));
        });
    }

    /** The write that exchanges the production and staging deployments, guarded by the revision read. */
    public Write swapSlots(Versioned<HostedService> s) {
        HostedService v = s.value();
        HostedService swapped = v.withDeployment(HostedService.PRODUCTION, v.deployments().get(HostedService.STAGING))
                .withDeployment(HostedService.STAGING, v.deployments().get(HostedService.PRODUCTION));
        return services.put(id(v.subscriptionId(), v.name()), swapped, s.revision());
    }

    /** The write that records (or clears, with null) a slot's deployment, guarded by the revision read. */
    public Write setSlot(Versioned<HostedService> s, String slot, String deploymentId) {
        return services.put(id(s.value().subscriptionId(), s.value().name()), s.value().withDeployment(slot, deploymentId), s.revision());
    }

    /** Finds the service and slot a deployment sits in. */
    public Optional<Versioned<HostedService>> holding(String deploymentId) {
        return services.list(store).stream().filter(v -> v.value().deployments().containsValue(deploymentId)).findFirst();
    }

    public AuditEntry entry(Principal who, String subscriptionId, String action, String target) {
        return new AuditEntry(clock.instant(), who.actor(), subscriptionId, action, target);
    }
}
