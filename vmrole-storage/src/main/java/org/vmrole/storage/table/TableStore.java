package org.vmrole.storage.table;

import org.vmrole.storage.store.Database;
import java.time.Clock;

/** placeholder */
public final class TableStore {
    public static final String SCHEMA = "CREATE TABLE IF NOT EXISTS x(a)";
    public TableStore(Database db, Clock clock) {}
}
