package org.vmrole.storage.table;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.store.Database;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableStoreTest {
    private static final Map<String, Prop> PROPS = Map.of("n", new Prop(Prop.INT32, 1));

    @Test
    void an_insert_needs_its_table_and_refuses_an_existing_entity(@TempDir Path dir) {
        try (Database db = new Database(dir.resolve("table.db"), TableStore.SCHEMA)) {
            TableStore store = new TableStore(db, Clock.systemUTC());
            assertThatThrownBy(() -> store.transaction(c -> store.write(c, "acct", "Missing", TableStore.Mode.INSERT, "p", "r", PROPS, null)))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo("TableNotFound"));

            store.createTable("acct", "People");
            store.transaction(c -> store.write(c, "acct", "people", TableStore.Mode.INSERT, "p", "r", PROPS, null));
            assertThatThrownBy(() -> store.transaction(c -> store.write(c, "acct", "People", TableStore.Mode.INSERT, "p", "r", PROPS, null)))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo("EntityAlreadyExists"));
            assertThat(store.get("acct", "People", "p", "r").properties()).isEqualTo(PROPS);
        }
    }
}
