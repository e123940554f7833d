package org.vmrole.api.tenancy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.ApiKeys;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.auth.StoredKey;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.store.Optimistic;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/** Subscriptions and their API keys: creating, listing, revoking, and recognising a presented key. */
public final class Tenants {
    private final Store store;
    private final AuditLog audit;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final JsonRecords<Subscription> subscriptions;
    private final JsonRecords<StoredKey> keys;

    public Tenants(Store store, ObjectMapper json, AuditLog audit, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.subscriptions = new JsonRecords<>(json, "/api/subscriptions/", Subscription.class);
        this.keys = new JsonRecords<>(json, "/api/keys/", StoredKey.class);
    }

    /** The administrator key: made on first start (returned once) or set from the given secret; empty when it exists already. */
    public Optional<String> ensureAdministratorKey(String givenSecret) {
        boolean exists = keys.list(store).stream().anyMatch(k -> k.value().administrator() && k.value().revoked() == null);
        if (givenSecret != null) {
            if (!ApiKeys.wellFormed(givenSecret)) {
                throw new IllegalArgumentException("--admin-key / VMROLE_ADMIN_KEY must look like 'vmr_' followed by at least 32 of A-Z a-z 0-9 _ -");
            }
            String id = ApiKeys.idOf(givenSecret);
            if (keys.get(store, id).filter(k -> ApiKeys.matches(givenSecret, k.value().hash())).isEmpty()) {
                store.commit(List.of(keys.put(id, new StoredKey(id, null, ApiKeys.hash(givenSecret), "administrator (given)", clock.instant(), null), Store.ANY)));
            }
            return Optional.empty();
        }
        if (exists) return Optional.empty();
        ApiKeys.IssuedKey k = ApiKeys.issue(random);
        store.commit(List.of(keys.put(k.id(), new StoredKey(k.id(), null, k.hash(), "administrator", clock.instant(), null), Store.ABSENT)));
        return Optional.of(k.secret());
    }

    public Optional<Principal> authenticate(String secret) {
        if (!ApiKeys.wellFormed(secret)) return Optional.empty();
        return keys.get(store, ApiKeys.idOf(secret)).map(Versioned::value)
                .filter(k -> k.revoked() == null && ApiKeys.matches(secret, k.hash()))
                .map(k -> k.administrator() ? Principal.admin(k.id()) : Principal.of(k.subscriptionId(), k.id()));
    }

    public Subscription create(Principal who, String id, String displayName) {
        return Optimistic.retry(() -> {
            Subscription.requireValidId(id);
            if (subscriptions.get(store, id).isPresent()) {
                throw ApiException.conflict("SubscriptionExists", "subscription '" + id + "' already exists", id);
            }
            NameRule.requireText(displayName, "displayName");
            Subscription s = new Subscription(id, displayName == null || displayName.isBlank() ? id : displayName, clock.instant(), SubscriptionLimits.DEFAULT);
            store.commit(List.of(subscriptions.put(id, s, Store.ABSENT), audit.record(entry(who, id, "subscription.create", id))));
            return s;
        });
    }

    /** A subscription the caller may see; another tenant's is "not found", never "forbidden". */
    public Subscription get(Principal who, String id) {
        return subscriptions.get(store, id).map(Versioned::value)
                .filter(s -> who.administrator() || s.id().equals(who.subscriptionId()))
                .orElseThrow(() -> ApiException.notFound("Subscription", id));
    }

    public List<Subscription> list(Principal who) {
        return subscriptions.list(store).stream().map(Versioned::value)
                .filter(s -> who.administrator() || s.id().equals(who.subscriptionId())).toList();
    }

    /** Sets a subscription's limits (administrator). */
    public Subscription setLimits(Principal who, String id, SubscriptionLimits limits) {
        return Optimistic.retry(() -> {
            if (limits == null || limits.cores() < 0 || limits.instances() < 0 || limits.images() < 0 || limits.storageBytes() < 0) {
                throw ApiException.badRequest("InvalidLimits", "give 'cores', 'instances', 'images' and 'storageBytes', each 0 or more", "limits");
            }
            Versioned<Subscription> s = subscriptions.get(store, id).orElseThrow(() -> ApiException.notFound("Subscription", id));
            Subscription next = new Subscription(id, s.value().displayName(), s.value().created(), limits);
            store.commit(List.of(subscriptions.put(id, next, s.revision()), audit.record(entry(who, id, "subscription.limits", id))));
            return next;
        });
    }

    /**
     * Deletes the subscription, its keys and its bookkeeping (see {@link Holdings#leftovers}) in one commit; refused
     * with the names of what it still owns while it owns anything, so an id created again never finds old data.
     */
    public void delete(Principal who, String id, Holdings holdings) {
        Optimistic.retry(() -> {
            Versioned<Subscription> s = subscriptions.get(store, id).orElseThrow(() -> ApiException.notFound("Subscription", id));
            List<String> held = holdings.held(id);
            if (!held.isEmpty()) {
                throw ApiException.conflict("SubscriptionNotEmpty", "subscription '" + id + "' still owns " + held.size() + ": "
                        + String.join(", ", held.subList(0, Math.min(20, held.size()))) + (held.size() > 20 ? ", ..." : "")
                        + "; delete its deployments, services, images and uploads first", id);
            }
            List<Write> writes = new ArrayList<>(holdings.leftovers(id));
            writes.add(subscriptions.delete(id, s.revision()));
            for (Versioned<StoredKey> k : keys.list(store)) {
                if (id.equals(k.value().subscriptionId())) writes.add(keys.delete(k.value().id(), k.revision()));
            }
            writes.add(audit.record(entry(who, id, "subscription.delete", id)));
            store.commit(writes);
        });
    }

    /** Issues a key for the subscription; the secret is in the result and nowhere else. */
    public IssuedKeyView createKey(Principal who, String subscriptionId, String description) {
        get(who, subscriptionId);
        NameRule.requireText(description, "description");
        ApiKeys.IssuedKey k = ApiKeys.issue(random);
        StoredKey stored = new StoredKey(k.id(), subscriptionId, k.hash(), description, clock.instant(), null);
        store.commit(List.of(keys.put(k.id(), stored, Store.ABSENT), audit.record(entry(who, subscriptionId, "key.create", k.id()))));
        return new IssuedKeyView(k.id(), k.secret(), subscriptionId, description, stored.created());
    }

    public List<StoredKey> keys(Principal who, String subscriptionId) {
        get(who, subscriptionId);
        return keys.list(store).stream().map(Versioned::value).filter(k -> subscriptionId.equals(k.subscriptionId())).toList();
    }

    public void revokeKey(Principal who, String subscriptionId, String keyId) {
        Optimistic.retry(() -> {
            get(who, subscriptionId);
            Versioned<StoredKey> k = keys.get(store, keyId).filter(v -> subscriptionId.equals(v.value().subscriptionId()))
                    .orElseThrow(() -> ApiException.notFound("Key", keyId));
            if (k.value().revoked() != null) return;
            store.commit(List.of(keys.put(keyId, k.value().revokedAt(clock.instant()), k.revision()),
                    audit.record(entry(who, subscriptionId, "key.revoke", keyId))));
        });
    }

    private AuditEntry entry(Principal who, String subscriptionId, String action, String target) {
        return new AuditEntry(clock.instant(), who.actor(), subscriptionId, action, target);
    }

    /** What the caller sees once when a key is created. */
    public record IssuedKeyView(String id, String key, String subscriptionId, String description, java.time.Instant created) {}
}
