package org.vmrole.storage.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
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
import java.util.UUID;

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
            QueueRow q = require(c, account, name);
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
            require(c, account, queue);
            long now = now();
            Message m = new Message(UUID.randomUUID().toString(), now, ttlMs < 0 ? Long.MAX_VALUE : now + ttlMs, now + visibilityMs, 0,
                    UUID.randomUUID().toString(), body);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages(account, queue, id, inserted, expires, visible, dequeues, pop, body, seq) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
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
                ps.executeUpdate();
            }
            return m;
        });
    }

    /** Dequeues up to {@code count} visible messages, hiding them for {@code visibilityMs} with new pop receipts. */
    public List<Message> get(String account, String queue, int count, long visibilityMs, boolean peek) {
        return db.transaction(c -> {
            require(c, account, queue);
            long now = now();
            exec(c, "DELETE FROM messages WHERE account=? AND queue=? AND expires<=?", account, queue, now);
            List<Message> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, inserted, expires, visible, dequeues, pop, body FROM messages WHERE account=? AND queue=? AND visible<=? ORDER BY visible, seq LIMIT ?")) {
                ps.setString(1, account);
                ps.setString(2, queue);
                ps.setLong(3, now);
                ps.setInt(4, count);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Message(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getString(6), rs.getString(7)));
                    }
                }
            }
            if (peek) return found;
            List<Message> out = new ArrayList<>();
            for (Message m : found) {
                Message next = new Message(m.id(), m.inserted(), m.expires(), now + visibilityMs, m.dequeues() + 1, UUID.randomUUID().toString(), m.body());
                exec(c, "UPDATE messages SET visible=?, dequeues=?, pop=? WHERE account=? AND queue=? AND id=?",
                        next.visible(), next.dequeues(), next.pop(), account, queue, m.id());
                out.add(next);
            }
            return out;
        });
    }

    public void deleteMessage(String account, String queue, String id, String pop) {
        db.transaction(c -> {
            Message m = message(c, account, queue, id);
            if (!m.pop().equals(pop)) throw StorageException.badRequest("PopReceiptMismatch", "The specified pop receipt did not match the pop receipt for a dequeued message.");
            exec(c, "DELETE FROM messages WHERE account=? AND queue=? AND id=?", account, queue, id);
            return null;
        });
    }

    /** Update Message: new visibility (and optionally text); returns the message with its new pop receipt. */
    public Message update(String account, String queue, String id, String pop, long visibilityMs, String body) {
        return db.transaction(c -> {
            Message m = message(c, account, queue, id);
            if (!m.pop().equals(pop)) throw StorageException.badRequest("PopReceiptMismatch", "The specified pop receipt did not match the pop receipt for a dequeued message.");
            Message next = new Message(m.id(), m.inserted(), m.expires(), now() + visibilityMs, m.dequeues(), UUID.randomUUID().toString(),
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

    private QueueRow require(Connection c, String account, String name) throws SQLException {
        QueueRow q = find(c, account, name);
        if (q == null) throw StorageException.notFound("QueueNotFound", "The specified queue does not exist.");
        return q;
    }

    private static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.executeUpdate();
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
