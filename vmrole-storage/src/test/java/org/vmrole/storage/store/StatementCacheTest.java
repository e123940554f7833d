package org.vmrole.storage.store;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatementCacheTest {

    @Test
    void a_reused_statement_runs_again_with_new_parameters_and_nested_use_of_the_same_sql_works() throws Exception {
        try (Connection c = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite::memory:"))) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
            }
            String insert = "INSERT INTO t(k, v) VALUES (?, ?)";
            for (int i = 1; i <= 3; i++) {
                try (PreparedStatement ps = c.prepareStatement(insert)) {
                    ps.setInt(1, i);
                    ps.setString(2, "v" + i);
                    ps.executeUpdate();
                }
            }
            String select = "SELECT v FROM t WHERE k >= ? ORDER BY k";
            List<String> pairs = new ArrayList<>();
            try (PreparedStatement outer = c.prepareStatement(select)) {
                outer.setInt(1, 2);
                try (ResultSet rs = outer.executeQuery()) {
                    while (rs.next()) {
                        try (PreparedStatement inner = c.prepareStatement(select)) {
                            inner.setInt(1, 3);
                            try (ResultSet in = inner.executeQuery()) {
                                pairs.add(rs.getString(1) + "/" + (in.next() ? in.getString(1) : "-"));
                            }
                        }
                    }
                }
            }
            assertThat(pairs).containsExactly("v2/v3", "v3/v3");
        }
    }
}
