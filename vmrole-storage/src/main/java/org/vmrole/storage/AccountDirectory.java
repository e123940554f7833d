package org.vmrole.storage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The accounts the service serves now: the fixed ones it was started with (the development account, {@code --account})
 * and the managed ones the platform replaces while it runs (tenants' accounts made through the management API). A
 * request reads one immutable snapshot, so an account created, deleted or given a new key counts from the next request
 * on. A managed account that disappears is handed to {@code onRemoved} (the service drops its data there), so a name
 * deleted and created again starts empty.
 */
public final class AccountDirectory {
    /** An account with its keys decoded once (HMAC needs the bytes on every request). */
    public record Entry(StorageAccount account, List<byte[]> keys) {
        Entry(StorageAccount account) {
            this(account, account.decodedKeys());
        }
    }

    private final Map<String, Entry> fixed;
    private volatile Map<String, Entry> all;
    private volatile Set<String> managed = Set.of();
    private volatile Consumer<String> onRemoved = name -> {};

    public AccountDirectory(Collection<StorageAccount> fixedAccounts) {
        Map<String, Entry> f = new LinkedHashMap<>();
        for (StorageAccount a : fixedAccounts) f.put(a.name(), new Entry(a));
        // unmodifiable views, not Map.copyOf: names() promises an order (fixed accounts first), which copyOf drops
        this.fixed = Collections.unmodifiableMap(f);
        this.all = this.fixed;
    }

    /** Where the data of a managed account that disappeared is dropped. */
    void onRemoved(Consumer<String> dropData) {
        this.onRemoved = dropData;
    }

    /**
     * Serves exactly these managed accounts (beside the fixed ones, which a managed account of the same name never
     * replaces); returns the names whose data was dropped because they are gone.
     */
    public synchronized List<String> replaceManaged(Collection<StorageAccount> accounts) {
        Map<String, Entry> next = new LinkedHashMap<>(fixed);
        for (StorageAccount a : accounts) next.putIfAbsent(a.name(), new Entry(a));
        Set<String> nextManaged = new java.util.HashSet<>(next.keySet());
        nextManaged.removeAll(fixed.keySet());
        List<String> removed = new ArrayList<>();
        for (String name : managed) if (!nextManaged.contains(name)) removed.add(name);
        all = Collections.unmodifiableMap(next);
        managed = Set.copyOf(nextManaged);
        // after the swap: no request can authenticate as the removed account while its data is dropped
        removed.forEach(onRemoved);
        return removed;
    }

    public Optional<Entry> find(String name) {
        return Optional.ofNullable(name == null ? null : all.get(name));
    }

    public boolean serves(String name) {
        return name != null && all.containsKey(name);
    }

    /** The names served now, fixed ones first. */
    public List<String> names() {
        return List.copyOf(all.keySet());
    }
}
