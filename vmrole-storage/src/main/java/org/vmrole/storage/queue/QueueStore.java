package org.vmrole.storage.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.vmrole.storage.RandomIds;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.Json;
import org.vmrole.storage.store.Database;
import org.vmrole.storage.store.NameListing;
import org.vmrole.storage.store.ServiceProperties;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Queues and their messages in the metadata database; every acknowledged change is a committed transaction. */
public final class QueueStore {
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS queues(account TEXT NOT NULL, name TEXT NOT NULL, metadata TEXT, acl TEXT, PRIMARY KEY(account, name)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS messages(account TEXT NOT NULL, queue TEXT NOT NULL, id TEXT NOT NULL, inserted INTEGER, expires INTEGER,
              visible INTEGER, dequeues INTEGER, pop TEXT, body TEXT, seq INTEGER, PRIMARY KEY(account, queue, id)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS messages_visible ON messages(account, queue, visible, seq);
            """ + ServiceProperties.SCHEMA;
    private static final TypeReference<Map<String, String>> META = new TypeReference<>() {};

    /** A queue message as stored. */
    public record Message(String id, long inserted, long expires, long visible, int dequeues, String pop, String body) {}

    /** A queue and its metadata. */
    public record QueueRow(String name, Map<String, String> metadata) {}

    private final Database db;
    private final ServiceProperties properties;
    private final Clock clock;
    private long seq;

    public QueueStore(Database db, Clock clock) {
        this.db = db;
        this.properties = new ServiceProperties(db);
        this.clock = clock;
        this.seq = clock.millis() * 1000;
    }

    public long now() { return clock.millis(); }

    public ServiceProperties serviceProperties() { return properties; }

    /** Creates a queue; true if created, false if it already existed with the same metadata. */
    public boolean create(String account, String name, Map<String, String> metadata) {
        return db.transaction(c -> {
            QueueRow existing = find(c, account, name);
            if (existing != null) {
                if (existing.metadata().equals(metadata)) return false;
                throw StorageException.conflict("QueueAlreadyExists", "The specified queue already exists.");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO queues(account, name, metadata) VALUES (?,?,?)")) {
                ps.setString(1, account);
                ps.setString(2, name);
                ps.setString(3, json(metadata));
                ps.executeUpdate();
            }
            return true;
        });
    }

    public void delete(String account, String name) {
        db.transaction(c -> {
            require(c, account, name);
            exec(c, "DELETE FROM queues WHERE account=? AND name=?", account, name);
            exec(c, "DELETE FROM messages WHERE account=? AND queue=?", account, name);
            return null;
        });
    }

    /** The queue's metadata and its approximate message count. */
    public Map.Entry<QueueRow, Long> properties(String account, String name) {
        return db.transaction(c -> {
            QueueRow q = find(c, account, name);
            if (q == null) throw queueNotFound();
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM messages WHERE account=? AND queue=? AND expires>?")) {
                ps.setString(1, account);
                ps.setString(2, name);
                ps.setLong(3, now());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Map.entry(q, rs.getLong(1));
                }
            }
        });
    }

    /** The queue's stored access policies as the SignedIdentifiers XML last set (null when none). */
    public String acl(String account, String name) {
        return db.transaction(c -> {
            require(c, account, name);
            try (PreparedStatement ps = c.prepareStatement("SELECT acl FROM queues WHERE account=? AND name=?")) {
                ps.setString(1, account);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    /** The queue's SignedIdentifiers XML, or empty when the queue or its ACL does not exist. */
    public java.util.Optional<String> aclIfExists(String account, String name) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT acl FROM queues WHERE account=? AND name=?")) {
                ps.setString(1, account);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return java.util.Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                }
            }
        });
    }

    public void setAcl(String account, String name, String acl) {
        db.transaction(c -> {
            require(c, account, name);
            exec(c, "UPDATE queues SET acl=? WHERE account=? AND name=?", acl, account, name);
            return null;
        });
    }

    public void setMetadata(String account, String name, Map<String, String> metadata) {
        db.transaction(c -> {
            require(c, account, name);
            exec(c, "UPDATE queues SET metadata=? WHERE account=? AND name=?", json(metadata), account, name);
            return null;
        });
    }

    public List<QueueRow> list(String account, String prefix, String marker, int max) {
        return db.read(c -> NameListing.page(c, "SELECT name, metadata FROM queues WHERE account=? AND name>=? AND name>=? ORDER BY name LIMIT ?",
                account, prefix, marker, max, rs -> new QueueRow(rs.getString(1), parse(rs.getString(2)))));
    }

    public Message put(String account, String queue, String body, long visibilityMs, long ttlMs) {
        return db.transaction(c -> {
            long now = now();
            Message m = new Message(RandomIds.uuid(), now, ttlMs < 0 ? Long.MAX_VALUE : now + ttlMs, now + visibilityMs, 0, RandomIds.uuid(), body);
            // one statement that also checks the queue exists: a put is one step, not a lookup and an insert
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages(account, queue, id, inserted, expires, visible, dequeues, pop, body, seq) "
                    + "SELECT ?,?,?,?,?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM queues WHERE account=? AND name=?)")) {
                ps.setString(1, account);
                ps.setString(2, queue);
                ps.setString(3, m.id());
                ps.setLong(4, m.inserted());
                ps.setLong(5, m.expires());
                ps.setLong(6, m.visible());
                ps.setInt(7, 0);
                ps.setString(8, m.pop());
                ps.setString(9, body);
                ps.setLong(10, ++seq);
                ps.setString(11, account);
                ps.setString(12, queue);
                if (ps.executeUpdate() == 0) throw queueNotFound();
            }
            return m;
        });
    }

    /**
     * Dequeues up to {@code count} visible messages, hiding them for {@code visibilityMs} with new pop receipts. Expired
     * messages are skipped here and removed by {@link #purgeExpired} (a delete of every expired message of the queue on
     * each dequeue would scan the whole queue every time).
     */
    public List<Message> get(String account, String queue, int count, long visibilityMs, boolean peek) {
        return db.transaction(c -> {
            require(c, account, queue);
            long now = now();
            List<Message> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, inserted, expires, visible, dequeues, pop, body FROM messages "
                    + "WHERE account=? AND queue=? AND visible<=? AND expires>? ORDER BY visible, seq LIMIT ?")) {
                ps.setString(1, account);
                ps.setString(2, queue);
                ps.setLong(3, now);
                ps.setLong(4, now);
                ps.setInt(5, count);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Message(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getString(6), rs.getString(7)));
                    }
                }
            }
            if (peek) return found;
            List<Message> out = new ArrayList<>();
            for (Message m : found) {
                Message next = new Message(m.id(), m.inserted(), m.expires(), now + visibilityMs, m.dequeues() + 1, RandomIds.uuid(), m.body());
                exec(c, "UPDATE messages SET visible=?, dequeues=?, pop=? WHERE account=? AND queue=? AND id=?",
                        next.visible(), next.dequeues(), next.pop(), account, queue, m.id());
                out.add(next);
            }
            return out;
        });
    }

    /** Deletes a message; the usual case (the receipt matches) is one statement, and only a miss looks up why. */
    public void deleteMessage(String account, String queue, String id, String pop) {
        db.transaction(c -> {
            if (exec(c, "DELETE FROM messages WHERE account=? AND queue=? AND id=? AND pop=? AND expires>?", account, queue, id, pop, now()) == 1) return null;
            message(c, account, queue, id); // QueueNotFound or MessageNotFound
            throw popReceiptMismatch();
        });
    }

    /** Removes every expired message; the service's janitor calls it, so dequeues never have to. */
    public int purgeExpired() {
        return db.transaction(c -> exec(c, "DELETE FROM messages WHERE expires<=?", now()));
    }

    /** Update Message: new visibility (and optionally text); returns the message with its new pop receipt. */
    public Message update(String account, String queue, String id, String pop, long visibilityMs, String body) {
        return db.transaction(c -> {
            Message m = message(c, account, queue, id);
            if (!m.pop().equals(pop)) throw popReceiptMismatch();
            Message next = new Message(m.id(), m.inserted(), m.expires(), now() + visibilityMs, m.dequeues(), RandomIds.uuid(),
                    body == null ? m.body() : body);
            exec(c, "UPDATE messages SET visible=?, pop=?, body=? WHERE account=? AND queue=? AND id=?", next.visible(), next.pop(), next.body(), account, queue, id);
            return next;
        });
    }

    public void clear(String account, String queue) {
        db.transaction(c -> {
            require(c, account, queue);
            exec(c, "DELETE FROM messages WHERE account=? AND queue=?", account, queue);
            return null;
        });
    }

    private Message message(Connection c, String account, String queue, String id) throws SQLException {
        require(c, account, queue);
        try (PreparedStatement ps = c.prepareStatement("SELECT id, inserted, expires, visible, dequeues, pop, body FROM messages WHERE account=? AND queue=? AND id=? AND expires>?")) {
            ps.setString(1, account);
            ps.setString(2, queue);
            ps.setString(3, id);
            ps.setLong(4, now());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw StorageException.notFound("MessageNotFound", "The specified message does not exist.");
                return new Message(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getString(6), rs.getString(7));
            }
        }
    }

    private QueueRow find(Connection c, String account, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT name, metadata FROM queues WHERE account=? AND name=?")) {
            ps.setString(1, account);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new QueueRow(rs.getString(1), parse(rs.getString(2))) : null;
            }
        }
    }

    /** Fails with QueueNotFound unless the queue exists (its metadata is not read: most callers do not need it). */
    private static void require(Connection c, String account, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM queues WHERE account=? AND name=?")) {
            ps.setString(1, account);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw queueNotFound();
            }
        }
    }

    private static StorageException queueNotFound() {
        return StorageException.notFound("QueueNotFound", "The specified queue does not exist.");
    }

    private static StorageException popReceiptMismatch() {
        return StorageException.badRequest("PopReceiptMismatch", "The specified pop receipt did not match the pop receipt for a dequeued message.");
    }

    /** Runs an update; returns the number of rows it changed. */
    private static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            return ps.executeUpdate();
        }
    }

    private static String json(Map<String, String> m) {
        try {
            return Json.MAPPER.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parse(String s) {
        try {
            return s == null ? new LinkedHashMap<>() : Json.MAPPER.readValue(s, META);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt queue metadata: " + e.getMessage(), e);
        }
    }
}
