package org.vmrole.storage;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableServiceClient;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.ListTablesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import com.azure.data.tables.models.TableServiceException;
import com.azure.data.tables.models.TableTransactionAction;
import com.azure.data.tables.models.TableTransactionActionType;
import com.azure.data.tables.models.TableTransactionFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableServiceTest {
    static RunningStorage storage;
    static TableServiceClient tables;

    @BeforeAll
    static void start() {
        storage = new RunningStorage();
        tables = storage.tables();
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    static TableClient newTable() {
        String name = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return tables.createTable(name);
    }

    static String code(Runnable r) {
        try {
            r.run();
            return "none";
        } catch (TableServiceException e) {
            return e.getValue().getErrorCode().toString();
        }
    }

    static TableEntity typed(String pk, String rk) {
        return new TableEntity(pk, rk)
                .addProperty("Name", "Ada")
                .addProperty("Age", 36)
                .addProperty("Big", 9_000_000_000L)
                .addProperty("Score", 2.5)
                .addProperty("Active", true)
                .addProperty("Born", OffsetDateTime.of(1815, 12, 10, 0, 0, 0, 0, ZoneOffset.UTC))
                .addProperty("Id", UUID.fromString("11111111-2222-3333-4444-555555555555"))
                .addProperty("Blob", new byte[]{1, 2, 3});
    }

    @Test
    void creates_lists_and_deletes_tables() {
        tables.createTable("Inventory1");
        tables.createTable("Inventory2");
        assertThat(code(() -> tables.createTable("inventory1"))).isEqualTo("TableAlreadyExists");
        assertThat(tables.listTables(new ListTablesOptions().setFilter("TableName eq 'Inventory1'"), null, null).stream().map(t -> t.getName()).toList())
                .containsExactly("Inventory1");
        tables.deleteTable("Inventory2");
        assertThat(tables.listTables().stream().map(t -> t.getName()).toList()).contains("Inventory1").doesNotContain("Inventory2");
        assertThat(code(() -> tables.createTable("1bad"))).isEqualTo("InvalidResourceName");
    }

    @Test
    void round_trips_every_property_type() {
        TableClient t = newTable();
        t.createEntity(typed("p", "r"));
        TableEntity e = t.getEntity("p", "r");
        assertThat(e.getProperty("Name")).isEqualTo("Ada");
        assertThat(e.getProperty("Age")).isEqualTo(36);
        assertThat(e.getProperty("Big")).isEqualTo(9_000_000_000L);
        assertThat(e.getProperty("Score")).isEqualTo(2.5);
        assertThat(e.getProperty("Active")).isEqualTo(true);
        assertThat(e.getProperty("Born")).isEqualTo(OffsetDateTime.of(1815, 12, 10, 0, 0, 0, 0, ZoneOffset.UTC));
        assertThat(e.getProperty("Id")).isEqualTo(UUID.fromString("11111111-2222-3333-4444-555555555555"));
        assertThat((byte[]) e.getProperty("Blob")).containsExactly(1, 2, 3);
        assertThat(e.getETag()).isNotBlank();
        assertThat(e.getTimestamp()).isNotNull();
    }

    @Test
    void inserts_updates_merges_and_deletes_entities_with_etags() {
        TableClient t = newTable();
        t.createEntity(new TableEntity("p", "1").addProperty("A", "a").addProperty("B", "b"));
        assertThat(code(() -> t.createEntity(new TableEntity("p", "1")))).isEqualTo("EntityAlreadyExists");
        TableEntity current = t.getEntity("p", "1");
        t.updateEntity(new TableEntity("p", "1").addProperty("C", "c"), TableEntityUpdateMode.MERGE);
        assertThat(t.getEntity("p", "1").getProperties()).containsKeys("A", "B", "C");
        t.updateEntity(new TableEntity("p", "1").addProperty("D", "d"), TableEntityUpdateMode.REPLACE);
        assertThat(t.getEntity("p", "1").getProperties()).containsKey("D").doesNotContainKeys("A", "B", "C");
        assertThat(code(() -> t.updateEntityWithResponse(current.addProperty("E", "e"), TableEntityUpdateMode.REPLACE, true, null, null)))
                .isEqualTo("UpdateConditionNotSatisfied");
        assertThat(code(() -> t.updateEntity(new TableEntity("p", "missing"), TableEntityUpdateMode.MERGE))).isEqualTo("ResourceNotFound");
        t.upsertEntity(new TableEntity("p", "2").addProperty("X", 1));
        t.upsertEntityWithResponse(new TableEntity("p", "2").addProperty("Y", 2), TableEntityUpdateMode.MERGE, null, null);
        assertThat(t.getEntity("p", "2").getProperties()).containsKeys("X", "Y");
        t.upsertEntityWithResponse(new TableEntity("p", "2").addProperty("Z", 3), TableEntityUpdateMode.REPLACE, null, null);
        assertThat(t.getEntity("p", "2").getProperties()).containsKey("Z").doesNotContainKeys("X", "Y");
        t.deleteEntity("p", "2");
        assertThat(code(() -> t.getEntity("p", "2"))).isEqualTo("ResourceNotFound");
    }

    @Test
    void filters_on_every_type_with_select_and_top() {
        TableClient t = newTable();
        for (int i = 0; i < 10; i++) {
            t.createEntity(typed("p", String.format("%02d", i)).addProperty("N", i).addProperty("Even", i % 2 == 0));
        }
        assertThat(count(t, "N ge 3 and N lt 7")).isEqualTo(4);
        assertThat(count(t, "N eq 3 or N eq 8")).isEqualTo(2);
        assertThat(count(t, "not (N lt 5)")).isEqualTo(5);
        assertThat(count(t, "Even eq true")).isEqualTo(5);
        assertThat(count(t, "Name eq 'Ada' and RowKey gt '07'")).isEqualTo(2);
        assertThat(count(t, "Big eq 9000000000L")).isEqualTo(10);
        assertThat(count(t, "Score gt 2.0")).isEqualTo(10);
        assertThat(count(t, "Born lt datetime'1900-01-01T00:00:00Z'")).isEqualTo(10);
        assertThat(count(t, "Id eq guid'11111111-2222-3333-4444-555555555555'")).isEqualTo(10);
        assertThat(count(t, "Blob eq X'010203'")).isEqualTo(10);
        assertThat(count(t, "Missing eq 'x'")).isZero();
        assertThat(count(t, "PartitionKey eq 'p' and RowKey ge '05' and RowKey le '06'")).isEqualTo(2);
        List<TableEntity> selected = t.listEntities(new ListEntitiesOptions().setFilter("N eq 1").setSelect(List.of("Name")), null, null).stream().toList();
        assertThat(selected).hasSize(1);
        assertThat(selected.getFirst().getProperties()).containsKey("Name").doesNotContainKey("Age");
        assertThat(t.listEntities(new ListEntitiesOptions().setTop(3), null, null).iterableByPage().iterator().next().getValue()).hasSize(3);
        assertThatThrownBy(() -> t.listEntities(new ListEntitiesOptions().setFilter("N eq"), null, null).stream().count())
                .hasMessageContaining("InvalidInput").hasMessageContaining("400");
    }

    static long count(TableClient t, String filter) {
        return t.listEntities(new ListEntitiesOptions().setFilter(filter), null, null).stream().count();
    }

    @Test
    void pages_large_results_with_continuation_tokens() {
        TableClient t = newTable();
        for (int b = 0; b < 25; b++) {
            List<TableTransactionAction> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("p", String.format("%05d", b * 100 + i))));
            }
            t.submitTransaction(batch);
        }
        var pages = t.listEntities().iterableByPage();
        List<Integer> sizes = new ArrayList<>();
        pages.forEach(p -> sizes.add(p.getValue().size()));
        assertThat(sizes).containsExactly(1000, 1000, 500);
    }

    @Test
    void applies_a_batch_all_or_nothing_within_one_partition() {
        TableClient t = newTable();
        t.createEntity(new TableEntity("p", "exists"));
        t.createEntity(new TableEntity("p", "doomed"));
        List<TableTransactionAction> failing = List.of(
                new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("p", "new1")),
                new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("p", "exists")));
        assertThatThrownBy(() -> t.submitTransaction(failing)).isInstanceOf(TableTransactionFailedException.class);
        assertThat(code(() -> t.getEntity("p", "new1"))).isEqualTo("ResourceNotFound");
        var result = t.submitTransaction(List.of(
                new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("p", "a").addProperty("V", 1)),
                new TableTransactionAction(TableTransactionActionType.UPSERT_MERGE, new TableEntity("p", "b").addProperty("V", 2)),
                new TableTransactionAction(TableTransactionActionType.UPDATE_REPLACE, new TableEntity("p", "exists").addProperty("V", 3)),
                new TableTransactionAction(TableTransactionActionType.DELETE, new TableEntity("p", "doomed"))));
        assertThat(result.getTransactionActionResponses()).hasSize(4);
        assertThat(t.getEntity("p", "exists").getProperty("V")).isEqualTo(3);
        assertThat(t.getEntity("p", "b").getProperty("V")).isEqualTo(2);
        assertThat(t.getEntity("p", "a").getProperty("V")).isEqualTo(1);
        assertThat(code(() -> t.getEntity("p", "doomed"))).isEqualTo("ResourceNotFound");
        assertThatThrownBy(() -> t.submitTransaction(List.of(
                new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("p", "z")),
                new TableTransactionAction(TableTransactionActionType.DELETE, new TableEntity("p", "z")))))
                .hasMessageContaining("InvalidDuplicateRow");
        assertThatThrownBy(() -> t.submitTransaction(List.of(
                new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("p", "x")),
                new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity("q", "y")))))
                .hasMessageContaining("CommandsInBatchActedOnDifferentPartitions");
        assertThat(code(() -> t.getEntity("p", "x"))).isEqualTo("ResourceNotFound");
    }

    @Test
    void enforces_azure_entity_limits() {
        TableClient t = newTable();
        TableEntity wide = new TableEntity("p", "wide");
        for (int i = 0; i < 253; i++) wide.addProperty("P" + i, i);
        assertThat(code(() -> t.createEntity(wide))).isEqualTo("TooManyProperties");
        TableEntity big = new TableEntity("p", "big").addProperty("S", "x".repeat(40_000));
        assertThat(code(() -> t.createEntity(big))).isEqualTo("PropertyValueTooLarge");
        assertThat(code(() -> t.createEntity(new TableEntity("p/q", "r")))).isEqualTo("OutOfRangeInput");
        assertThat(code(() -> t.createEntity(new TableEntity("k".repeat(1025), "r")))).isEqualTo("KeyValueTooLarge");
    }
}
