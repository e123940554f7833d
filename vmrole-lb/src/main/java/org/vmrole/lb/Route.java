package org.vmrole.lb;

/**
 * Where a listener sends its next new connection: a fixed pool, or a slot of a service that a VIP swap can
 * point at another deployment's pool. Read once per accepted connection.
 */
@FunctionalInterface
public interface Route {

    /** The pool for the next connection, or null when nothing is deployed there (the connection is refused). */
    BackendPool pool();
}
