package org.vmrole.storage.store;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.CorsRule;
import org.vmrole.storage.http.XmlBody;
import org.vmrole.storage.http.XmlElement;
import org.vmrole.storage.http.XmlWriter;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Get/Set Service Properties (logging, metrics, CORS, ...) for one service. A Set replaces only the
 * top-level elements it names, as Azure does; the CORS rules are kept parsed because every request
 * with an Origin header consults them.
 */
public final class ServiceProperties {
    public static final String SCHEMA = "CREATE TABLE IF NOT EXISTS service_properties(account TEXT PRIMARY KEY, xml TEXT NOT NULL)";
    private static final int MAX_XML = 64 * 1024;
    private static final int MAX_CORS_RULES = 5;
    private static final Set<String> CORS_METHODS = Set.of("DELETE", "GET", "HEAD", "MERGE", "POST", "OPTIONS", "PUT", "PATCH");
    private static final String ROOT = "StorageServiceProperties";
    private static final String DEFAULT = "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties>"
            + "<Logging><Version>1.0</Version><Read>false</Read><Write>false</Write><Delete>false</Delete><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging>"
            + "<HourMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></HourMetrics>"
            + "<MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></MinuteMetrics>"
            + "<Cors /></StorageServiceProperties>";

    /** One account's properties: the document clients read back and its CORS rules. */
    private record Stored(String xml, List<CorsRule> cors) {}

    private final Database db;
    private final Map<String, Stored> cache = new ConcurrentHashMap<>();

    public ServiceProperties(Database db) {
        this.db = db;
    }

    public String get(String account) {
        return stored(account).xml();
    }

    /** The account's CORS rules in the order they were set (the first match wins). */
    public List<CorsRule> cors(String account) {
        return stored(account).cors();
    }

    private Stored stored(String account) {
        return cache.computeIfAbsent(account, a -> {
            String xml = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT xml FROM service_properties WHERE account=?")) {
                    ps.setString(1, a);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getString(1) : DEFAULT;
                    }
                }
            });
            return new Stored(xml, corsRules(XmlBody.parse(xml.getBytes(StandardCharsets.UTF_8), ROOT)));
        });
    }

    /** Drops the cached properties of an account whose rows were deleted. */
    public void forget(String account) {
        cache.remove(account);
    }

    public void set(String account, InputStream body) {
        XmlElement update = XmlBody.read(body, MAX_XML, ROOT);
        if (update == null) throw XmlBody.invalid("expected <" + ROOT + ">");
        List<CorsRule> newCors = corsRules(update);
        synchronized (this) {
            Map<String, XmlElement> merged = new LinkedHashMap<>();
            for (XmlElement e : XmlBody.parse(get(account).getBytes(StandardCharsets.UTF_8), ROOT).children()) merged.put(e.name(), e);
            for (XmlElement e : update.children()) merged.put(e.name(), e);
            XmlWriter w = XmlWriter.document().start(ROOT);
            merged.values().forEach(w::tree);
            String doc = w.finish();
            List<CorsRule> cors = update.child("Cors") != null ? newCors : cors(account);
            db.transaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO service_properties(account, xml) VALUES (?,?)")) {
                    ps.setString(1, account);
                    ps.setString(2, doc);
                    ps.executeUpdate();
                }
                return null;
            });
            cache.put(account, new Stored(doc, cors));
        }
    }

    private static List<CorsRule> corsRules(XmlElement root) {
        XmlElement cors = root.child("Cors");
        if (cors == null) return List.of();
        List<XmlElement> rules = cors.children("CorsRule");
        if (rules.size() > MAX_CORS_RULES) throw invalidNode("Cors", "at most " + MAX_CORS_RULES + " CORS rules are allowed");
        List<CorsRule> out = new ArrayList<>();
        for (XmlElement r : rules) {
            List<String> methods = list(r, "AllowedMethods");
            for (String m : methods) {
                if (!CORS_METHODS.contains(m.toUpperCase(Locale.ROOT))) throw invalidNode("AllowedMethods", "'" + m + "' is not one of " + CORS_METHODS);
            }
            List<String> origins = list(r, "AllowedOrigins");
            if (origins.isEmpty()) throw invalidNode("AllowedOrigins", "a CORS rule needs at least one origin (or *)");
            if (methods.isEmpty()) throw invalidNode("AllowedMethods", "a CORS rule needs at least one method");
            int maxAge;
            try {
                String v = r.childText("MaxAgeInSeconds");
                maxAge = v == null ? 0 : Integer.parseInt(v);
                if (maxAge < 0) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw invalidNode("MaxAgeInSeconds", "a non-negative number of seconds is expected");
            }
            out.add(new CorsRule(origins, methods, list(r, "AllowedHeaders"), list(r, "ExposedHeaders"), maxAge));
        }
        return List.copyOf(out);
    }

    private static List<String> list(XmlElement rule, String name) {
        String v = rule.childText(name);
        if (v == null) return List.of();
        return Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static StorageException invalidNode(String node, String why) {
        return StorageException.badRequest("InvalidXmlNodeValue", "The value for one of the XML nodes is not in the correct format: " + node + ": " + why + ".");
    }
}
