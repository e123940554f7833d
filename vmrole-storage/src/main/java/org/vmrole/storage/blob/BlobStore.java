package org.vmrole.storage.blob;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.Json;
import org.vmrole.storage.store.ContentFiles;
import org.vmrole.storage.store.Database;
import org.vmrole.storage.store.NameListing;
import org.vmrole.storage.store.ServiceProperties;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Containers and blobs in the metadata database; content bytes live in {@link ContentFiles}. */
public final class BlobStore {
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS containers(account TEXT NOT NULL, name TEXT NOT NULL, etag TEXT, modified INTEGER,
              metadata TEXT, public_access TEXT, acl TEXT, lease TEXT, PRIMARY KEY(account, name)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS blobs(account TEXT NOT NULL, container TEXT NOT NULL, name TEXT NOT NULL, snapshot TEXT NOT NULL,
              type TEXT, size INTEGER, etag TEXT, created INTEGER, modified INTEGER, props TEXT, metadata TEXT, segments TEXT,
              inline BLOB, page_file TEXT, page_ranges TEXT, seq INTEGER, lease TEXT, copy_id TEXT, copy_source TEXT);
            CREATE UNIQUE INDEX IF NOT EXISTS blobs_key ON blobs(account, container, name, snapshot);
            CREATE TABLE IF NOT EXISTS blocks(account TEXT NOT NULL, container TEXT NOT NULL, blob TEXT NOT NULL, block_id TEXT NOT NULL,
              content TEXT, size INTEGER, created INTEGER, PRIMARY KEY(account, container, blob, block_id)) WITHOUT ROWID;
            """ + ServiceProperties.SCHEMA;
    private static final long UNCOMMITTED_BLOCK_LIFETIME_MS = 7L * 24 * 3600 * 1000;
    private static final TypeReference<Map<String, String>> META = new TypeReference<>() {};
    private static final TypeReference<List<Segment>> SEGMENTS = new TypeReference<>() {};
    private static final TypeReference<List<long[]>> RANGES = new TypeReference<>() {};
    private static final String BLOB_COLUMNS = "container, name, snapshot, type, size, etag, created, modified, props, metadata, segments, inline, page_file, page_ranges, seq, lease, copy_id, copy_source";

    private final Database db;
    private final ServiceProperties properties;
    private final ContentFiles content;
    private final Clock clock;
    private final AtomicLong etagCounter;

    public BlobStore(Database db, ContentFiles content, Clock clock) {
        this.db = db;
        this.properties = new ServiceProperties(db);
        this.content = content;
        this.clock = clock;
        this.etagCounter = new AtomicLong(clock.millis() * 10_000);
    }

    public ContentFiles content() { return content; }

    public ServiceProperties serviceProperties() { return properties; }

    public long now() { return clock.millis(); }

    public String newEtag() {
        return "\"0x" + Long.toHexString(etagCounter.incrementAndGet()).toUpperCase() + "\"";
    }

    public <T> T transaction(Database.Work<T> work) { return db.transaction(work); }

    // ---- containers -------------------------------------------------------------------------

    public ContainerRow createContainer(String account, String name, Map<String, String> metadata, String publicAccess) {
        return db.transaction(c -> {
            if (findContainer(c, account, name) != null) {
                throw StorageException.conflict("ContainerAlreadyExists", "The specified container already exists.");
            }
            ContainerRow row = new ContainerRow(name, newEtag(), now(), metadata, publicAccess, null, Lease.NONE);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO containers(account, name, etag, modified, metadata, public_access, acl, lease) VALUES (?,?,?,?,?,?,?,?)")) {
                ps.setString(1, account);
                ps.setString(2, name);
                ps.setString(3, row.etag());
                ps.setLong(4, row.modified());
                ps.setString(5, json(metadata));
                ps.setString(6, publicAccess);
                ps.setString(7, null);
                ps.setString(8, json(Lease.NONE));
                ps.executeUpdate();
            }
            return row;
        });
    }

    public ContainerRow container(Connection c, String account, String name) throws SQLException {
        ContainerRow row = findContainer(c, account, name);
        if (row == null) throw StorageException.notFound("ContainerNotFound", "The specified container does not exist.");
        return row;
    }

    /** The container's SignedIdentifiers XML, for SAS tokens that name a stored access policy. */
    public java.util.Optional<String> containerAcl(String account, String name) {
        return db.read(c -> {
            ContainerRow row = findContainer(c, account, name);
            return java.util.Optional.ofNullable(row == null ? null : row.acl());
        });
    }

    public ContainerRow container(String account, String name) {
        return db.transaction(c -> container(c, account, name));
    }

    private ContainerRow findContainer(Connection c, String account, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT name, etag, modified, metadata, public_access, acl, lease FROM containers WHERE account=? AND name=?")) {
            ps.setString(1, account);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? containerRow(rs) : null;
            }
        }
    }

    private ContainerRow containerRow(ResultSet rs) throws SQLException {
        return new ContainerRow(rs.getString(1), rs.getString(2), rs.getLong(3), parse(rs.getString(4), META),
                rs.getString(5), rs.getString(6), parseLease(rs.getString(7)).at(now()));
    }

    /** Rewrites a container's mutable fields in one transaction after {@code check} approves the current row. */
    public ContainerRow updateContainer(String account, String name, Consumer<ContainerRow> check, UnaryOperator<ContainerRow> change, boolean touch) {
        return db.transaction(c -> {
            ContainerRow current = container(c, account, name);
            check.accept(current);
            ContainerRow next = change.apply(current);
            if (touch) next = new ContainerRow(next.name(), newEtag(), now(), next.metadata(), next.publicAccess(), next.acl(), next.lease());
            try (PreparedStatement ps = c.prepareStatement("UPDATE containers SET etag=?, modified=?, metadata=?, public_access=?, acl=?, lease=? WHERE account=? AND name=?")) {
                ps.setString(1, next.etag());
                ps.setLong(2, next.modified());
                ps.setString(3, json(next.metadata()));
                ps.setString(4, next.publicAccess());
                ps.setString(5, next.acl());
                ps.setString(6, json(next.lease()));
                ps.setString(7, account);
                ps.setString(8, name);
                ps.executeUpdate();
            }
            return next;
        });
    }

    public void deleteContainer(String account, String name, Consumer<ContainerRow> check) {
        db.transaction(c -> {
            check.accept(container(c, account, name));
            for (String sql : List.of("DELETE FROM containers WHERE account=? AND name=?", "DELETE FROM blobs WHERE account=? AND container=?",
                    "DELETE FROM blocks WHERE account=? AND container=?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, account);
                    ps.setString(2, name);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    public List<ContainerRow> listContainers(String account, String prefix, String marker, int max) {
        return db.read(c -> NameListing.page(c, "SELECT name, etag, modified, metadata, public_access, acl, lease FROM containers"
                + " WHERE account=? AND name>=? AND name>? ORDER BY name LIMIT ?", account, prefix, marker, max, this::containerRow));
    }

    // ---- blobs ------------------------------------------------------------------------------

    public BlobRow findBlob(Connection c, String account, String container, String name, String snapshot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + BLOB_COLUMNS + " FROM blobs WHERE account=? AND container=? AND name=? AND snapshot=?")) {
            ps.setString(1, account);
            ps.setString(2, container);
            ps.setString(3, name);
            ps.setString(4, snapshot == null ? "" : snapshot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? blobRow(rs) : null;
            }
        }
    }

    public BlobRow blob(Connection c, String account, String container, String name, String snapshot) throws SQLException {
        BlobRow row = findBlob(c, account, container, name, snapshot);
        if (row == null) {
            container(c, account, container);
            throw StorageException.notFound("BlobNotFound", "The specified blob does not exist.");
        }
        return row;
    }

    /** Reads a blob and marks its content files in use until the caller releases them. */
    public BlobRow openForRead(String account, String container, String name, String snapshot, Consumer<BlobRow> check) {
        return db.transaction(c -> {
            BlobRow row = blob(c, account, container, name, snapshot);
            check.accept(row);
            for (Segment s : row.segments()) content.retain(s.content());
            if (row.pageFile() != null) content.retain(row.pageFile());
            return row;
        });
    }

    public void releaseAfterRead(BlobRow row) {
        for (Segment s : row.segments()) content.release(s.content());
        if (row.pageFile() != null) content.release(row.pageFile());
    }

    private BlobRow blobRow(ResultSet rs) throws SQLException {
        return new BlobRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                rs.getLong(7), rs.getLong(8), parse(rs.getString(9), BlobProperties.class).at(now()), parse(rs.getString(10), META),
                rs.getString(11) == null ? List.of() : parse(rs.getString(11), SEGMENTS), rs.getBytes(12), rs.getString(13),
                rs.getString(14) == null ? List.of() : parse(rs.getString(14), RANGES), rs.getLong(15),
                parseLease(rs.getString(16)).at(now()), rs.getString(17), rs.getString(18));
    }

    /** Inserts or replaces the base blob row (snapshot "") or writes a snapshot row. */
    public void writeBlob(Connection c, String account, BlobRow b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO blobs(account, " + BLOB_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, account);
            ps.setString(2, b.container());
            ps.setString(3, b.name());
            ps.setString(4, b.snapshot());
            ps.setString(5, b.type());
            ps.setLong(6, b.size());
            ps.setString(7, b.etag());
            ps.setLong(8, b.created());
            ps.setLong(9, b.modified());
            ps.setString(10, json(b.props()));
            ps.setString(11, json(b.metadata()));
            ps.setString(12, b.segments().isEmpty() ? null : json(b.segments()));
            ps.setBytes(13, b.inline());
            ps.setString(14, b.pageFile());
            ps.setString(15, b.pageRanges().isEmpty() ? null : json(b.pageRanges()));
            ps.setLong(16, b.sequence());
            ps.setString(17, json(b.lease()));
            ps.setString(18, b.copyId());
            ps.setString(19, b.copySource());
            ps.executeUpdate();
        }
    }

    public void deleteBlobRows(Connection c, String account, String container, String name, boolean base, boolean snapshots) throws SQLException {
        if (base) {
            exec(c, "DELETE FROM blobs WHERE account=? AND container=? AND name=? AND snapshot=''", account, container, name);
            exec(c, "DELETE FROM blocks WHERE account=? AND container=? AND blob=?", account, container, name);
        }
        if (snapshots) exec(c, "DELETE FROM blobs WHERE account=? AND container=? AND name=? AND snapshot<>''", account, container, name);
    }

    public boolean hasSnapshots(Connection c, String account, String container, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM blobs WHERE account=? AND container=? AND name=? AND snapshot<>'' LIMIT 1")) {
            ps.setString(1, account);
            ps.setString(2, container);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Base blobs (no snapshots) of an account, or of one container when {@code container} is not null, that come after
     * ({@code afterContainer}, {@code afterName}) in (container, name) order: the pages Find Blobs by Tags scans.
     */
    public List<BlobRow> blobsAfter(String account, String container, String afterContainer, String afterName, int limit) {
        return db.read(c -> {
            if (container != null) container(c, account, container);
            String sql = "SELECT " + BLOB_COLUMNS + " FROM blobs WHERE account=? AND snapshot='' AND (container>? OR (container=? AND name>?))"
                    + (container == null ? "" : " AND container=?") + " ORDER BY container, name LIMIT ?";
            List<BlobRow> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, account);
                ps.setString(i++, afterContainer);
                ps.setString(i++, afterContainer);
                ps.setString(i++, afterName);
                if (container != null) ps.setString(i++, container);
                ps.setInt(i, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(blobRow(rs));
                }
            }
            return out;
        });
    }

    /**
     * Blobs of a container in name order, snapshots before their base blob (as Azure lists them),
     * starting at (startName, startOrder) where a base blob's order key is U+FFFF and a snapshot's its time.
     */
    public List<BlobRow> listBlobs(String account, String container, String prefix, String startName, String startOrder,
                                   boolean inclusive, boolean snapshots, int limit) {
        return db.read(c -> {
            container(c, account, container);
            List<BlobRow> out = new ArrayList<>();
            String ord = "(CASE snapshot WHEN '' THEN char(65535) ELSE snapshot END)";
            String sql = "SELECT " + BLOB_COLUMNS + " FROM blobs WHERE account=? AND container=? AND name>=? AND (name>? OR (name=? AND "
                    + ord + (inclusive ? ">=" : ">") + "?))" + (snapshots ? "" : " AND snapshot=''") + " ORDER BY name, " + ord + " LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, account);
                ps.setString(2, container);
                ps.setString(3, prefix == null ? "" : prefix);
                ps.setString(4, startName);
                ps.setString(5, startName);
                ps.setString(6, startOrder);
                ps.setInt(7, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        BlobRow row = blobRow(rs);
                        if (prefix != null && !row.name().startsWith(prefix)) break;
                        out.add(row);
                    }
                }
            }
            return out;
        });
    }

    // ---- blocks -----------------------------------------------------------------------------

    /** A staged (uncommitted) block. */
    public record Block(String id, String content, long size) {}

    /** Records a staged (uncommitted) block of a blob, inside the caller's transaction. */
    public void stageBlock(Connection c, String account, String container, String blob, String blockId, ContentFiles.Written w) throws SQLException {
        container(c, account, container);
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO blocks(account, container, blob, block_id, content, size, created) VALUES (?,?,?,?,?,?,?)")) {
            ps.setString(1, account);
            ps.setString(2, container);
            ps.setString(3, blob);
            ps.setString(4, blockId);
            ps.setString(5, w.id());
            ps.setLong(6, w.length());
            ps.setLong(7, now());
            ps.executeUpdate();
        }
    }

    public Map<String, Block> uncommittedBlocks(Connection c, String account, String container, String blob) throws SQLException {
        Map<String, Block> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT block_id, content, size FROM blocks WHERE account=? AND container=? AND blob=? ORDER BY created, block_id")) {
            ps.setString(1, account);
            ps.setString(2, container);
            ps.setString(3, blob);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), new Block(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
        }
        return out;
    }

    public void clearUncommittedBlocks(Connection c, String account, String container, String blob) throws SQLException {
        exec(c, "DELETE FROM blocks WHERE account=? AND container=? AND blob=?", account, container, blob);
    }

    // ---- garbage ----------------------------------------------------------------------------

    /**
     * Removes uncommitted blocks older than Azure's 7 days and content files nothing references. Runs
     * entirely under the database lock, so a write committing its metadata cannot slip between the
     * reference scan and the deletion (writers keep their files marked in use until after commit).
     */
    public int collectGarbage() {
        return db.transaction(c -> {
            exec(c, "DELETE FROM blocks WHERE created < ?", now() - UNCOMMITTED_BLOCK_LIFETIME_MS);
            Set<String> referenced = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT segments, page_file FROM blobs");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) != null) for (Segment s : parse(rs.getString(1), SEGMENTS)) referenced.add(s.content());
                    if (rs.getString(2) != null) referenced.add(rs.getString(2));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT content FROM blocks");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) referenced.add(rs.getString(1));
            }
            return content.collectOrphans(referenced);
        });
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.executeUpdate();
        }
    }

    static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T parse(String s, TypeReference<T> type) {
        try {
            return Json.MAPPER.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt metadata row: " + e.getMessage(), e);
        }
    }

    private static <T> T parse(String s, Class<T> type) {
        try {
            return Json.MAPPER.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt metadata row: " + e.getMessage(), e);
        }
    }

    private static Lease parseLease(String s) {
        return s == null ? Lease.NONE : parse(s, Lease.class);
    }
}
