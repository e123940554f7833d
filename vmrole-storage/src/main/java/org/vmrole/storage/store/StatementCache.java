package org.vmrole.storage.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps a connection's prepared statements for reuse: SQLite parses and plans a statement on every
 * {@code prepareStatement}, which cost more than running most of this service's one-row statements.
 * Callers keep writing {@code try (PreparedStatement ps = c.prepareStatement(sql))}; closing returns
 * the statement (result set closed, parameters cleared) instead of finalising it. A statement still
 * in use when the same SQL is prepared again (a nested query) gets a fresh, uncached one. A
 * connection is used by one thread at a time (the group commit's leader, under its lock, or a reader
 * taken from the pool).
 */
final class StatementCache {
    private StatementCache() {}

    static Connection wrap(Connection connection) {
        Map<String, PreparedStatement> idle = new HashMap<>();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement") && args != null && args.length == 1 && args[0] instanceof String sql) {
                PreparedStatement ps = idle.remove(sql);
                return returning(ps != null ? ps : connection.prepareStatement(sql), sql, idle);
            }
            return call(connection, method, args);
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class}, handler);
    }

    private static PreparedStatement returning(PreparedStatement ps, String sql, Map<String, PreparedStatement> idle) {
        ResultSet[] last = new ResultSet[1];
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("close") && (args == null || args.length == 0)) {
                if (last[0] != null && !last[0].isClosed()) last[0].close();
                if (idle.containsKey(sql)) {
                    ps.close();
                } else {
                    ps.clearParameters();
                    idle.put(sql, ps);
                }
                return null;
            }
            Object result = call(ps, method, args);
            if (result instanceof ResultSet rs) last[0] = rs;
            return result;
        };
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(), new Class<?>[]{PreparedStatement.class}, handler);
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
