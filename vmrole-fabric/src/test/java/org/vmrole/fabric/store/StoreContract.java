package org.vmrole.fabric.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every Store implementation promises; each implementation's test extends this. */
public abstract class StoreContract {
    protected Store store;

    protected abstract Store open();

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void gives_every_write_a_new_revision_and_remembers_it_per_key() {
        long first = store.put("a", "1", Store.ABSENT);
        long second = store.put("b", "2", Store.ABSENT);
        assertThat(second).isGreaterThan(first);
        assertThat(store.get("a")).get().extracting(StoredRecord::revision).isEqualTo(first);
        assertThat(store.get("b")).get().extracting(StoredRecord::value).isEqualTo("2");
        assertThat(store.revision()).isEqualTo(second);
    }

    @Test
    void refuses_a_write_whose_expected_revision_is_stale() {
        long rev = store.put("deployments/d1", "{}", Store.ABSENT);
        store.put("deployments/d1", "{\"x\":1}", rev);
        assertThatThrownBy(() -> store.put("deployments/d1", "{\"x\":2}", rev))
                .isInstanceOf(RevisionConflict.class)
                .hasMessageContaining("deployments/d1");
        assertThatThrownBy(() -> store.put("deployments/d1", "{}", Store.ABSENT)).isInstanceOf(RevisionConflict.class);
        assertThat(store.get("deployments/d1").orElseThrow().value()).isEqualTo("{\"x\":1}");
    }

    @Test
    void applies_a_commit_entirely_or_not_at_all() {
        long rev = store.put("k1", "old", Store.ABSENT);
        assertThatThrownBy(() -> store.commit(List.of(Write.put("k1", "new", rev), Write.put("k2", "new", rev))))
                .isInstanceOf(RevisionConflict.class);
        assertThat(store.get("k1").orElseThrow().value()).isEqualTo("old");
        assertThat(store.get("k2")).isEmpty();
        assertThat(store.revision()).isEqualTo(rev);
    }

    @Test
    void lists_by_prefix_in_key_order() {
        store.commit(List.of(Write.put("instances/d1/B", "b", Store.ANY), Write.put("instances/d1/A", "a", Store.ANY),
                Write.put("instances/d2/A", "x", Store.ANY), Write.put("hosts/h1", "h", Store.ANY)));
        assertThat(store.list("instances/d1/")).extracting(StoredRecord::value).containsExactly("a", "b");
        assertThat(store.list("")).hasSize(4);
        assertThat(store.list("nothing/")).isEmpty();
    }

    @Test
    void deletes_with_compare_and_set() {
        long rev = store.put("k", "v", Store.ABSENT);
        assertThatThrownBy(() -> store.delete("k", rev + 5)).isInstanceOf(RevisionConflict.class);
        store.delete("k", rev);
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    void tells_what_changed_since_a_revision_including_deletes() {
        long r1 = store.put("a", "1", Store.ANY);
        long r2 = store.commit(List.of(Write.put("b", "2", Store.ANY), Write.put("c", "3", Store.ANY)));
        long r3 = store.delete("a", Store.ANY);
        assertThat(store.changesSince(r1)).containsExactly(
                new Change(r2, "b", "2"), new Change(r2, "c", "3"), new Change(r3, "a", null));
        assertThat(store.changesSince(r3)).isEmpty();
    }

    @Test
    void starts_empty_at_revision_zero() {
        assertThat(store.revision()).isZero();
        assertThat(store.changesSince(0)).isEmpty();
    }

    /** Each implementation's {@link #open()} keeps about 20 revisions of history. */
    @Test
    void forgets_old_history_and_says_so() {
        long[] revisions = new long[50];
        for (int i = 0; i < 50; i++) revisions[i] = store.put("k" + i, "v", Store.ANY);
        assertThatThrownBy(() -> store.changesSince(revisions[0])).isInstanceOf(HistoryCompacted.class);
        assertThat(store.changesSince(revisions[44])).extracting(Change::key).containsExactly("k45", "k46", "k47", "k48", "k49");
    }

    @Test
    void refuses_a_commit_naming_one_key_twice() {
        assertThatThrownBy(() -> store.commit(List.of(Write.put("k", "1", Store.ANY), Write.delete("k", Store.ANY))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k' appears twice");
    }

    @Test
    void pages_back_through_a_log_from_its_newest_key_without_leaving_the_prefix() {
        for (String k : List.of("audit/001", "audit/002", "audit/003", "audit/004", "audit/005", "audits", "audit0", "aaa")) store.put(k, "x", Store.ABSENT);

        assertThat(store.listBefore("audit/", null, 2)).extracting(StoredRecord::key).containsExactly("audit/005", "audit/004");
        assertThat(store.listBefore("audit/", "audit/004", 2)).extracting(StoredRecord::key).containsExactly("audit/003", "audit/002");
        assertThat(store.listBefore("audit/", "audit/002", 5)).extracting(StoredRecord::key).containsExactly("audit/001");
        assertThat(store.listBefore("audit/", "audit/001", 5)).isEmpty();
        assertThat(store.listBefore("audit/", "zzz", 1)).extracting(StoredRecord::key).containsExactly("audit/005");
        assertThat(store.listBefore("audit/", "a", 5)).isEmpty();
    }
}
