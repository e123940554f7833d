package org.vmrole.api.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.api.store.Optimistic;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageEndpoints;

/**
 * Tenants' storage accounts: names unique across the platform (the store key is the name alone), each visible to its
 * own subscription only (another's is "not found"), at most the subscription's limit of them. After every change the
 * listeners get the full list of accounts, so the storage service serves it from the next request on. Keys appear
 * in answers only; audit entries name the account, never a key.
 */
public final class StorageAccounts {
    /** Names the storage service keeps for itself (the emulator's account). */
    static final Set<String> RESERVED = Set.of(StorageAccount.DEVELOPMENT.name(), org.vmrole.image.ImageBlobs.PLATFORM_ACCOUNT);

    private final Store store;
    private final AuditLog audit;
    private final Clock clock;
    private final Tenants tenants;
    private final JsonRecords<StorageAccountRecord> accounts;
    private final SecureRandom random = new SecureRandom();
    private final List<Consumer<List<StorageAccount>>> listeners = new CopyOnWriteArrayList<>();
    private volatile StorageEndpoints endpoints = new StorageEndpoints("http://127.0.0.1:10000", "http://127.0.0.1:10001", "http://127.0.0.1:10002");

    public StorageAccounts(Store store, ObjectMapper json, AuditLog audit, Clock clock, Tenants tenants) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.tenants = tenants;
        this.accounts = new JsonRecords<>(json, "/api/storage-accounts/", StorageAccountRecord.class);
    }

    /** Where the storage service is reached (the emulator's ports until the platform says otherwise). */
    public void serveAt(StorageEndpoints where) {
        this.endpoints = where;
    }

    public StorageEndpoints endpoints() {
        return endpoints;
    }

    /** Calls {@code listener} with every account now, and again after every change. */
    public void onChange(Consumer<List<StorageAccount>> listener) {
        listeners.add(listener);
        listener.accept(all());
    }

    /** Every tenant's account as the storage service serves it. */
    public List<StorageAccount> all() {
        return accounts.list(store).stream().map(Versioned::value)
                .map(a -> new StorageAccount(a.name(), List.of(a.primaryKey(), a.secondaryKey()))).toList();
    }

    public StorageAccountKeys create(Principal who, String subscriptionId, String name) {
        NameRule.STORAGE_ACCOUNT.require(name, "name");
        StorageAccountRecord created = Optimistic.retry(() -> {
            Write turn = tenants.turn(subscriptionId);
            int limit = tenants.get(who, subscriptionId).limits().storageAccounts();
            if (RESERVED.contains(name) || accounts.get(store, name).isPresent()) {
                // the same answer whoever holds it: a taken name tells nothing about its owner
                throw ApiException.conflict("AccountNameTaken", "storage account name '" + name
                        + "' is taken (names are unique across the platform); choose another", name);
            }
            long held = accounts.list(store).stream().filter(a -> a.value().subscriptionId().equals(subscriptionId)).count();
            if (held + 1 > limit) {
                throw new ApiException(409, "QuotaExceeded", "subscription '" + subscriptionId + "' would exceed its limits: storage accounts "
                        + (held + 1) + " > " + limit + ". Delete an account (./vmrole storage-account delete NAME), or ask an administrator to raise the limit.",
                        "limits");
            }
            StorageAccountRecord a = new StorageAccountRecord(name, subscriptionId, newKey(), newKey(), clock.instant());
            store.commit(List.of(turn, accounts.put(name, a, Store.ABSENT), audit.record(entry(who, subscriptionId, "storage-account.create", name))));
            return a;
        });
        changed();
        return keysOf(created);
    }

    public List<StorageAccountView> list(String subscriptionId) {
        return accounts.list(store).stream().map(Versioned::value).filter(a -> a.subscriptionId().equals(subscriptionId)).map(this::view).toList();
    }

    public StorageAccountView show(String subscriptionId, String name) {
        return view(get(subscriptionId, name).value());
    }

    public StorageAccountKeys keys(String subscriptionId, String name) {
        return keysOf(get(subscriptionId, name).value());
    }

    /** The subscription's own account; another tenant's, or none, is "not found". */
    public Versioned<StorageAccountRecord> get(String subscriptionId, String name) {
        return accounts.get(store, name).filter(a -> a.value().subscriptionId().equals(subscriptionId))
                .orElseThrow(() -> new ApiException(404, "StorageAccountNotFound", "storage account '" + name
                        + "' does not exist in subscription '" + subscriptionId + "' (see ./vmrole storage-account list)", name));
    }

    public StorageAccountKeys regenerateKey(Principal who, String subscriptionId, String name, String which) {
        StorageAccountRecord.KeyName key = StorageAccountRecord.KeyName.parse(which);
        StorageAccountRecord next = Optimistic.retry(() -> {
            Versioned<StorageAccountRecord> a = get(subscriptionId, name);
            StorageAccountRecord n = a.value().withKey(key, newKey());
            store.commit(List.of(accounts.put(name, n, a.revision()),
                    audit.record(entry(who, subscriptionId, "storage-account.regenerate-key", name + " " + key.name().toLowerCase()))));
            return n;
        });
        changed();
        return keysOf(next);
    }

    /** Deletes the account; the storage service drops its containers, queues and tables with it. */
    public void delete(Principal who, String subscriptionId, String name, AccountUse use) {
        Optimistic.retry(() -> {
            Write turn = tenants.turn(subscriptionId);
            Versioned<StorageAccountRecord> a = get(subscriptionId, name);
            List<String> users = use.usersOf(subscriptionId, name);
            if (!users.isEmpty()) {
                throw ApiException.conflict("AccountInUse", "storage account '" + name + "' is still used by " + String.join(", ", users)
                        + "; delete those first", name);
            }
            store.commit(List.of(turn, accounts.delete(name, a.revision()), audit.record(entry(who, subscriptionId, "storage-account.delete", name))));
        });
        changed();
    }

    /** What still needs an account (drives declared by deployments), by name. */
    @FunctionalInterface
    public interface AccountUse {
        List<String> usersOf(String subscriptionId, String account);

        AccountUse NONE = (s, a) -> List.of();
    }

    /** The primary key of an account, whoever owns it (for hosts attaching drives the API already resolved for its owner). */
    public java.util.Optional<String> keyOf(String name) {
        return accounts.get(store, name).map(a -> a.value().primaryKey());
    }

    /** The subscription's accounts by name, for what it still owns when it is deleted. */
    public List<String> names(String subscriptionId) {
        return list(subscriptionId).stream().map(StorageAccountView::name).toList();
    }

    private void changed() {
        List<StorageAccount> now = all();
        for (Consumer<List<StorageAccount>> l : listeners) l.accept(now);
    }

    private StorageAccountView view(StorageAccountRecord a) {
        StorageEndpoints e = endpoints;
        return new StorageAccountView(a.name(), a.subscriptionId(), a.created(), e.blob() + "/" + a.name(), e.queue() + "/" + a.name(), e.table() + "/" + a.name());
    }

    private StorageAccountKeys keysOf(StorageAccountRecord a) {
        StorageEndpoints e = endpoints;
        return new StorageAccountKeys(a.name(), a.primaryKey(), a.secondaryKey(), e.connectionString(a.name(), a.primaryKey()),
                e.blob() + "/" + a.name(), e.queue() + "/" + a.name(), e.table() + "/" + a.name());
    }

    /** 64 random bytes, base64: the size Azure's keys have. */
    private String newKey() {
        byte[] k = new byte[64];
        random.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    private AuditEntry entry(Principal who, String subscriptionId, String action, String target) {
        return new AuditEntry(clock.instant(), who.actor(), subscriptionId, action, target);
    }
}
