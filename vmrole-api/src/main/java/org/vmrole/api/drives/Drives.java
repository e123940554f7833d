package org.vmrole.api.drives;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.storage.StorageAccountRecord;
import org.vmrole.api.storage.StorageAccounts;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.fabric.store.RevisionConflict;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.BlobProperties;
import org.vmrole.model.blob.BlobStorageException;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.model.drive.FixedVhd;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.model.service.DriveBinding;

/**
 * A subscription's drives: fixed VHDs in page blobs of its own storage accounts. Creating one makes the blob (disk
 * plus 512-byte footer) through the storage service's Blob API, then records it; names are unique per subscription.
 * Deleting is refused while an instance mounts the drive for writing.
 */
public final class Drives {
    static final String CONTAINER = "drives";
    static final int MAX_SAS_HOURS = 24 * 365;

    private final Store store;
    private final AuditLog audit;
    private final Clock clock;
    private final Tenants tenants;
    private final StorageAccounts accounts;
    private final JsonRecords<DriveRecord> drives;

    public Drives(Store store, ObjectMapper json, AuditLog audit, Clock clock, Tenants tenants, StorageAccounts accounts) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.tenants = tenants;
        this.accounts = accounts;
        this.drives = new JsonRecords<>(json, "/api/drives/", DriveRecord.class);
    }

    /** Which deployments bind a drive (deployment, service, slot, role, mode), by name; empty when none does. */
    @FunctionalInterface
    public interface Writers {
        List<String> of(String subscriptionId, String drive);

        Writers NONE = (s, d) -> List.of();
    }

    private static String id(String subscriptionId, String name) {
        return subscriptionId + "/" + name;
    }

    public DriveView create(Principal who, String subscriptionId, String name, String account, Long sizeBytes) {
        NameRule.DRIVE.require(name, "name");
        if (account == null) throw ApiException.badRequest("MissingField", "give the storage 'account' the drive is kept in", "account");
        NameRule.STORAGE_ACCOUNT.require(account, "account");
        if (sizeBytes == null) throw ApiException.badRequest("MissingField", "give the drive's 'sizeBytes' (a multiple of 512, e.g. 67108864 for 64 MiB)", "sizeBytes");
        String problem = FixedVhd.sizeProblem(sizeBytes);
        if (problem != null) throw ApiException.badRequest("InvalidSize", "drive '" + name + "': " + problem, "sizeBytes");
        tenants.get(who, subscriptionId);
        StorageAccountRecord a = accounts.get(subscriptionId, account).value();
        if (drives.get(store, id(subscriptionId, name)).isPresent()) {
            throw ApiException.conflict("DriveExists", "drive '" + name + "' already exists; choose another name or delete it first", name);
        }
        DriveRecord d = new DriveRecord(name, subscriptionId, account, CONTAINER, name + ".vhd", sizeBytes, clock.instant());
        PageBlobClient blob = blobOf(a, d);
        storage(() -> {
            blob.createContainer();
            blob.createNew(sizeBytes + FixedVhd.FOOTER_BYTES);
            byte[] footer = FixedVhd.footer(sizeBytes, d.created(), UUID.randomUUID());
            blob.writePages(sizeBytes, footer, 0, footer.length, null);
        }, "blob " + CONTAINER + "/" + d.blob() + " already exists in storage account '" + account + "'; delete it or choose another drive name");
        try {
            store.commit(List.of(tenants.turn(subscriptionId), drives.put(id(subscriptionId, name), d, Store.ABSENT),
                    audit.record(entry(who, subscriptionId, "drive.create", name))));
        } catch (RevisionConflict raced) {
            // another create of the same name won between our check and our commit: its blob is not ours to keep
            throw ApiException.conflict("DriveExists", "drive '" + name + "' was created by another request at the same time", name);
        }
        return view(d);
    }

    public List<DriveView> list(String subscriptionId) {
        return drives.list(store).stream().map(Versioned::value).filter(d -> d.subscriptionId().equals(subscriptionId)).map(this::view).toList();
    }

    /** The subscription's own drive; another tenant's, or none, is "not found". */
    public DriveRecord get(String subscriptionId, String name) {
        return drives.get(store, id(subscriptionId, name)).map(Versioned::value)
                .orElseThrow(() -> new ApiException(404, "DriveNotFound", "drive '" + name + "' does not exist in subscription '" + subscriptionId
                        + "' (see ./vmrole drive list)", name));
    }

    public DriveView show(String subscriptionId, String name) {
        return view(get(subscriptionId, name));
    }

    /** The subscription's drives kept in this account, by name (an account with drives is not deleted). */
    public List<String> inAccount(String subscriptionId, String account) {
        return drives.list(store).stream().map(Versioned::value)
                .filter(d -> d.subscriptionId().equals(subscriptionId) && d.account().equals(account)).map(d -> "drive " + d.name()).toList();
    }

    public DriveSnapshot snapshot(Principal who, String subscriptionId, String name) {
        DriveRecord d = get(subscriptionId, name);
        PageBlobClient blob = blobOf(accounts.get(subscriptionId, d.account()).value(), d);
        String[] taken = new String[1];
        storage(() -> taken[0] = blob.createSnapshot(), null);
        store.commit(List.of(audit.record(entry(who, subscriptionId, "drive.snapshot", name + " " + taken[0]))));
        return new DriveSnapshot(name, d.account(), taken[0], url(d) + "?snapshot=" + java.net.URLEncoder.encode(taken[0], java.nio.charset.StandardCharsets.UTF_8));
    }

    public void delete(Principal who, String subscriptionId, String name, Writers writers) {
        Versioned<DriveRecord> v = drives.get(store, id(subscriptionId, name))
                .orElseThrow(() -> new ApiException(404, "DriveNotFound", "drive '" + name + "' does not exist in subscription '" + subscriptionId + "'", name));
        DriveRecord d = v.value();
        List<String> mounted = writers.of(subscriptionId, name);
        if (!mounted.isEmpty()) {
            throw ApiException.conflict("DriveMounted", "drive '" + name + "' is mounted by " + String.join(", ", mounted)
                    + "; delete that deployment (or upgrade it to a configuration without the drive) first", name);
        }
        PageBlobClient blob = blobOf(accounts.get(subscriptionId, d.account()).value(), d);
        storage(() -> {
            BlobProperties p;
            try {
                p = blob.properties();
            } catch (BlobStorageException e) {
                if (e.status() == 404) return;
                throw e;
            }
            if (p.leased()) {
                String holder = p.holder();
                throw ApiException.conflict("DriveMounted", "drive '" + name + "' is mounted for writing: its blob lease is held"
                        + (holder == null ? "" : " by " + holder) + "; stop the instance that mounts it first", name);
            }
        }, null);
        store.commit(List.of(drives.delete(id(subscriptionId, name), v.revision()), audit.record(entry(who, subscriptionId, "drive.delete", name))));
        storage(blob::delete, null);
    }

    /** A read-only download link to the drive for {@code hours}; {@code account} must be the drive's own. */
    public DriveSas sas(String subscriptionId, String name, String account, Integer hours) {
        DriveRecord d = get(subscriptionId, name);
        if (account != null && !account.equals(d.account())) {
            throw new ApiException(404, "DriveNotFound", "drive '" + name + "' is not in storage account '" + account + "' (it is in '" + d.account() + "')", "account");
        }
        int h = hours == null ? 1 : hours;
        if (h < 1 || h > MAX_SAS_HOURS) throw ApiException.badRequest("InvalidHours", "'hours' is " + h + "; give 1 to " + MAX_SAS_HOURS, "hours");
        Instant expires = clock.instant().plus(Duration.ofHours(h));
        String query = credentialOf(accounts.get(subscriptionId, d.account()).value()).readSas(URI.create(url(d)), null, expires);
        return new DriveSas(name, d.account(), url(d) + "?" + query, expires);
    }

    /**
     * What a host attaches for a role's drive binding, or a 400 with the fix: the account and drive must be the
     * subscription's own (another tenant's read as missing). The account key is left out: hosts get the current one
     * with their assignments ({@link #withKeys}), so a deployment record never holds a key and a new key reaches hosts.
     */
    public DriveAttachment attachment(String subscriptionId, String role, DriveBinding b) {
        String who = "role '" + role + "' drive '" + b.name() + "'";
        if (accounts.list(subscriptionId).stream().noneMatch(a -> a.name().equals(b.account()))) {
            throw ApiException.badRequest("AccountNotFound", who + ": storage account '" + b.account() + "' does not exist in subscription '" + subscriptionId
                    + "'. Create it (./vmrole storage-account create " + b.account() + ") or fix account=\"...\" (./vmrole storage-account list)", role);
        }
        DriveRecord d = drives.get(store, id(subscriptionId, b.drive())).map(Versioned::value).orElseThrow(() -> ApiException.badRequest("DriveNotFound",
                who + ": drive '" + b.drive() + "' does not exist. Create it (./vmrole drive create " + b.drive() + " --account " + b.account()
                        + " --size 64MiB) or fix drive=\"...\" (./vmrole drive list)", role));
        if (!d.account().equals(b.account())) {
            throw ApiException.badRequest("DriveNotFound", who + ": drive '" + b.drive() + "' is in storage account '" + d.account() + "', not '"
                    + b.account() + "'. Write account=\"" + d.account() + "\"", role);
        }
        return new DriveAttachment(b.name(), url(d), b.mode(), d.account(), "", d.sizeBytes());
    }

    /**
     * The assignment with the current key of each drive's account filled in (what a host signs its blob calls with) and
     * the names of its subscription's storage accounts (the only ones its guest may mount a drive from at run time).
     *
     * @param subscriptionId the owner of the assignment's deployment, null when unknown (no account is then allowed)
     */
    public Assignment withKeys(Assignment a, String subscriptionId) {
        List<DriveAttachment> keyed = a.drives().stream().map(d -> new DriveAttachment(d.name(), d.blobUrl(), d.mode(), d.accountName(),
                accounts.keyOf(d.accountName()).orElse(""), d.sizeBytes())).toList();
        List<String> own = subscriptionId == null ? List.of() : accounts.names(subscriptionId);
        return a.withStorage(keyed, own);
    }

    private String url(DriveRecord d) {
        return accounts.endpoints().blob() + "/" + d.account() + "/" + d.container() + "/" + d.blob();
    }

    private DriveView view(DriveRecord d) {
        return new DriveView(d.name(), d.account(), url(d), d.sizeBytes(), d.created());
    }

    private static BlobCredential.SharedKey credentialOf(StorageAccountRecord a) {
        return new BlobCredential.SharedKey(a.name(), a.primaryKey());
    }

    private PageBlobClient blobOf(StorageAccountRecord a, DriveRecord d) {
        return PageBlobClient.of(URI.create(url(d)), credentialOf(a));
    }

    /**
     * Runs storage calls; a 409 becomes the given conflict. The service unreachable or refusing is a 409 that says so
     * (as an instance's console is when its host does not answer): the API answers 4xx only, 5xx is its own failure.
     */
    private static void storage(Runnable calls, String onConflict) {
        try {
            calls.run();
        } catch (BlobStorageException f) {
            if (f.status() == 409 && onConflict != null) throw ApiException.conflict("BlobExists", onConflict, "name");
            throw ApiException.conflict("StorageUnavailable", f.getMessage() + " (is the storage service running? ./vmrole server runs it unless --no-storage)", "storage");
        }
    }

    private AuditEntry entry(Principal who, String subscriptionId, String action, String target) {
        return new AuditEntry(clock.instant(), who.actor(), subscriptionId, action, target);
    }
}
