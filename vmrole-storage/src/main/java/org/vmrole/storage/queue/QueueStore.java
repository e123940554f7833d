package org.vmrole.storage.queue;

import org.vmrole.storage.store.Database;
import java.time.Clock;

/** placeholder */
public final class QueueStore {
    public static final String SCHEMA = "CREATE TABLE IF NOT EXISTS x(a)";
    public QueueStore(Database db, Clock clock) {}
}
