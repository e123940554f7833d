package org.vmrole.storage.store;

import org.vmrole.storage.StorageException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** Get/Set Service Properties (logging, metrics, CORS, ...) for one service: kept as the XML the client set. */
public final class ServiceProperties {
    public static final String SCHEMA = "CREATE TABLE IF NOT EXISTS service_properties(account TEXT PRIMARY KEY, xml TEXT NOT NULL)";
    private static final int MAX_XML = 64 * 1024;
    private static final String DEFAULT = "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties>"
            + "<Logging><Version>1.0</Version><Read>false</Read><Write>false</Write><Delete>false</Delete><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging>"
            + "<HourMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></HourMetrics>"
            + "<MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></MinuteMetrics>"
            + "<Cors /></StorageServiceProperties>";

    private final Database db;

    public ServiceProperties(Database db) {
        this.db = db;
    }

    public String get(String account) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT xml FROM service_properties WHERE account=?")) {
                ps.setString(1, account);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : DEFAULT;
                }
            }
        });
    }

    public void set(String account, InputStream body) throws IOException {
        byte[] raw = body.readNBytes(MAX_XML + 1);
        if (raw.length > MAX_XML) throw new StorageException(413, "RequestBodyTooLarge", "Service properties are limited to 64 KiB.");
        String xml = new String(raw, StandardCharsets.UTF_8).trim();
        if (!xml.contains("<StorageServiceProperties") || !xml.contains("</StorageServiceProperties>")) {
            throw StorageException.badRequest("InvalidXmlDocument", "XML specified is not syntactically valid: expected StorageServiceProperties.");
        }
        String doc = xml.startsWith("<?xml") ? xml : "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + xml;
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO service_properties(account, xml) VALUES (?,?)")) {
                ps.setString(1, account);
                ps.setString(2, doc);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
