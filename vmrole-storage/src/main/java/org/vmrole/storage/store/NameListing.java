package org.vmrole.storage.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of an account's containers or queues in name order: the query binds account, prefix, marker and page
 * size + 1 (the extra row tells the caller there is a next page). Whether the marker itself is included is the
 * query's own ({@code name>?} for containers, {@code name>=?} for queues, as Azure pages them).
 */
public final class NameListing {
    /** Reads one row; its name must be the first column. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private NameListing() {
    }

    public static <T> List<T> page(Connection c, String sql, String account, String prefix, String marker, int max, Row<T> row) throws SQLException {
        List<T> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, account);
            ps.setString(2, prefix == null ? "" : prefix);
            ps.setString(3, marker == null ? "" : marker);
            ps.setInt(4, max + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // names are ordered, so the first one past the prefix ends the page
                    if (prefix != null && !rs.getString(1).startsWith(prefix)) break;
                    out.add(row.read(rs));
                }
            }
        }
        return out;
    }
}
