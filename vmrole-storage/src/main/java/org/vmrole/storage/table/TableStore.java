package org.vmrole.storage.table;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.store.Database;
import org.vmrole.storage.store.ServiceProperties;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tables and entities in SQLite. Entities are keyed (account, table, PartitionKey, RowKey) in a
 * clustered index, so point reads, inserts and partition/range scans cost O(log n) however large a
 * table grows; the rest of a filter is evaluated on the rows the range scan yields.
 */
public final class TableStore {
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS tables(account TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, acl TEXT, PRIMARY KEY(account, key)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS entities(account TEXT NOT NULL, tbl TEXT NOT NULL, pk TEXT NOT NULL, rk TEXT NOT NULL,
              ts INTEGER NOT NULL, etag TEXT NOT NULL, props TEXT NOT NULL, PRIMARY KEY(account, tbl, pk, rk)) WITHOUT ROWID;
            """ + ServiceProperties.SCHEMA;
    /** Rows examined per query request before answering with a continuation, as Azure does for long scans. */
    private static final int SCAN_BUDGET = 5000;

    /** How a write treats an existing entity. */
    public enum Mode { INSERT, REPLACE, MERGE }

    /** One page of query results and where the next page starts (null when done). */
    public record Page(List<Entity> entities, String nextPartitionKey, String nextRowKey) {}

    private final Database db;
    private final ServiceProperties properties;
    private final Clock clock;
    private long seq;

    public ServiceProperties serviceProperties() { return properties; }

    public TableStore(Database db, Clock clock) {
        this.db = db;
        this.properties = new ServiceProperties(db);
        this.clock = clock;
    }

    public <T> T transaction(Database.Work<T> work) { return db.transaction(work); }

    // ---- tables -------------------------------------------------------------------------------

    public void createTable(String account, String name) {
        db.transaction(c -> {
            if (findTable(c, account, name) != null) throw StorageException.conflict("TableAlreadyExists", "The table specified already exists.");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tables(account, key, name) VALUES (?,?,?)")) {
                ps.setString(1, account);
                ps.setString(2, name.toLowerCase(Locale.ROOT));
                ps.setString(3, name);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void deleteTable(String account, String name) {
        db.transaction(c -> {
            String key = requireTable(c, account, name);
            exec(c, "DELETE FROM tables WHERE account=? AND key=?", account, key);
            exec(c, "DELETE FROM entities WHERE account=? AND tbl=?", account, key);
            return null;
        });
    }

    /** Table names in order starting at {@code from}, at most {@code max + 1} (the extra one is the continuation). */
    public List<String> listTables(String account, String from, int max) {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM tables WHERE account=? AND key>=? ORDER BY key LIMIT ?")) {
                ps.setString(1, account);
                ps.setString(2, from == null ? "" : from.toLowerCase(Locale.ROOT));
                ps.setInt(3, max + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    /** The table's stored access policies (SignedIdentifiers XML), empty when none or no such table. */
    public java.util.Optional<String> acl(String account, String name) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT acl FROM tables WHERE account=? AND key=?")) {
                ps.setString(1, account);
                ps.setString(2, name.toLowerCase(Locale.ROOT));
                try (ResultSet rs = ps.executeQuery()) {
                    return java.util.Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                }
            }
        });
    }

    public void setAcl(String account, String name, String acl) {
        db.transaction(c -> {
            String key = requireTable(c, account, name);
            exec(c, "UPDATE tables SET acl=? WHERE account=? AND key=?", acl, account, key);
            return null;
        });
    }

    private String findTable(Connection c, String account, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM tables WHERE account=? AND key=?")) {
            ps.setString(1, account);
            ps.setString(2, name.toLowerCase(Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The table's key (lowercase name); 404 TableNotFound if it does not exist. */
    public String requireTable(Connection c, String account, String name) throws SQLException {
        if (findTable(c, account, name) == null) throw tableNotFound();
        return name.toLowerCase(Locale.ROOT);
    }

    private static StorageException tableNotFound() {
        return StorageException.notFound("TableNotFound", "The table specified does not exist.");
    }

    // ---- entities -----------------------------------------------------------------------------

    public Entity find(Connection c, String account, String tableKey, String pk, String rk) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT ts, etag, props FROM entities WHERE account=? AND tbl=? AND pk=? AND rk=?")) {
            ps.setString(1, account);
            ps.setString(2, tableKey);
            ps.setString(3, pk);
            ps.setString(4, rk);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Entity(pk, rk, rs.getLong(1), rs.getString(2), EntityJson.load(rs.getString(3))) : null;
            }
        }
    }

    /**
     * Inserts, replaces or merges one entity. {@code ifMatch} null means upsert for REPLACE/MERGE;
     * "*" or an ETag means the entity must exist (and match).
     */
    public Entity write(Connection c, String account, String table, Mode mode, String pk, String rk, Map<String, Prop> props, String ifMatch) throws SQLException {
        if (mode == Mode.INSERT) {
            try {
                return insert(c, account, table.toLowerCase(Locale.ROOT), pk, rk, props);
            } catch (SQLiteException ex) {
                // the primary key refuses an existing entity, so the common case reads nothing first; the driver
                // reports the extended code (PRIMARYKEY) or the primary one, depending on its settings
                if ((ex.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_CONSTRAINT.code) {
                    throw StorageException.conflict("EntityAlreadyExists", "The specified entity already exists.");
                }
                throw ex;
            }
        }
        String key = requireTable(c, account, table);
        Entity existing = find(c, account, key, pk, rk);
        if (ifMatch != null) {
            if (existing == null) throw StorageException.notFound("ResourceNotFound", "The specified resource does not exist.");
            if (!ifMatch.equals("*") && !ifMatch.equals(existing.etag())) {
                throw new StorageException(412, "UpdateConditionNotSatisfied", "The update condition specified in the request was not satisfied.");
            }
        }
        Map<String, Prop> merged = props;
        if (mode == Mode.MERGE && existing != null) {
            merged = new LinkedHashMap<>(existing.properties());
            merged.putAll(props);
            if (merged.size() > 252) throw StorageException.badRequest("TooManyProperties", "The entity contains more properties than allowed.");
        }
        return replace(c, account, key, pk, rk, merged);
    }

    /** Writes an entity with a new timestamp and ETag, replacing an existing one. */
    private Entity replace(Connection c, String account, String key, String pk, String rk, Map<String, Prop> props) throws SQLException {
        Entity e = stamped(pk, rk, props);
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO entities(account, tbl, pk, rk, ts, etag, props) VALUES (?,?,?,?,?,?,?)")) {
            bindRow(ps, account, key, e);
            ps.executeUpdate();
        }
        return e;
    }

    /**
     * Inserts a new entity in one statement that also checks the table exists (a single insert is the most frequent
     * write, and one statement instead of a lookup and an insert is a measured share of its cost); a primary-key
     * violation surfaces as the driver's constraint error.
     */
    private Entity insert(Connection c, String account, String key, String pk, String rk, Map<String, Prop> props) throws SQLException {
        Entity e = stamped(pk, rk, props);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO entities(account, tbl, pk, rk, ts, etag, props) SELECT ?,?,?,?,?,?,? "
                + "WHERE EXISTS (SELECT 1 FROM tables WHERE account=? AND key=?)")) {
            bindRow(ps, account, key, e);
            ps.setString(8, account);
            ps.setString(9, key);
            if (ps.executeUpdate() == 0) throw tableNotFound();
        }
        return e;
    }

    private Entity stamped(String pk, String rk, Map<String, Prop> props) {
        long now = clock.millis();
        return new Entity(pk, rk, now, EntityJson.etag(now, ++seq), props);
    }

    private static void bindRow(PreparedStatement ps, String account, String key, Entity e) throws SQLException {
        ps.setString(1, account);
        ps.setString(2, key);
        ps.setString(3, e.partitionKey());
        ps.setString(4, e.rowKey());
        ps.setLong(5, e.timestamp());
        ps.setString(6, e.etag());
        ps.setString(7, EntityJson.store(e.properties()));
    }

    public void delete(Connection c, String account, String table, String pk, String rk, String ifMatch) throws SQLException {
        String key = requireTable(c, account, table);
        Entity existing = find(c, account, key, pk, rk);
        if (existing == null) throw StorageException.notFound("ResourceNotFound", "The specified resource does not exist.");
        if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(existing.etag())) {
            throw new StorageException(412, "UpdateConditionNotSatisfied", "The update condition specified in the request was not satisfied.");
        }
        exec(c, "DELETE FROM entities WHERE account=? AND tbl=? AND pk=? AND rk=?", account, key, pk, rk);
    }

    public Entity get(String account, String table, String pk, String rk) {
        return db.read(c -> {
            String key = requireTable(c, account, table);
            Entity e = find(c, account, key, pk, rk);
            if (e == null) throw StorageException.notFound("ResourceNotFound", "The specified resource does not exist.");
            return e;
        });
    }

    /** One page of a query: rows in key order from the continuation point, within the filter's key range. */
    public Page query(String account, String table, Filter.Compiled filter, String fromPk, String fromRk, int top) {
        return db.read(c -> {
            String key = requireTable(c, account, table);
            Filter.KeyRange k = filter.keys();
            StringBuilder sql = new StringBuilder("SELECT pk, rk, ts, etag, props FROM entities WHERE account=? AND tbl=?");
            List<Object> args = new ArrayList<>(List.of(account, key));
            bound(sql, args, "pk", k.pkLow(), k.pkLowIncl() ? ">=" : ">");
            bound(sql, args, "pk", k.pkHigh(), k.pkHighIncl() ? "<=" : "<");
            bound(sql, args, "rk", k.rkLow(), k.rkLowIncl() ? ">=" : ">");
            bound(sql, args, "rk", k.rkHigh(), k.rkHighIncl() ? "<=" : "<");
            sql.append(" AND (pk>? OR (pk=? AND rk>=?)) ORDER BY pk, rk LIMIT ?");
            String pk0 = fromPk == null ? "" : fromPk;
            args.addAll(List.of(pk0, pk0, fromRk == null ? "" : fromRk, SCAN_BUDGET));
            List<Entity> out = new ArrayList<>();
            int scanned = 0;
            String lastPk = null, lastRk = null;
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String pk = rs.getString(1), rk = rs.getString(2);
                        if (out.size() == top) return new Page(out, pk, rk);
                        scanned++;
                        lastPk = pk;
                        lastRk = rk;
                        Entity e = new Entity(pk, rk, rs.getLong(3), rs.getString(4), EntityJson.load(rs.getString(5)));
                        if (filter.predicate().test(e)) out.add(e);
                    }
                }
            }
            if (scanned == SCAN_BUDGET && lastPk != null) return new Page(out, lastPk, lastRk + "\u0000");
            return new Page(out, null, null);
        });
    }

    private static void bound(StringBuilder sql, List<Object> args, String column, String value, String op) {
        if (value == null) return;
        sql.append(" AND ").append(column).append(op).append('?');
        args.add(value);
    }

    private static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.executeUpdate();
        }
    }
}
