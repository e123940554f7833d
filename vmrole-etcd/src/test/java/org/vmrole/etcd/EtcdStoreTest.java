package org.vmrole.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoreContract;
import org.vmrole.fabric.store.StoreUnavailable;
import org.vmrole.fabric.store.StoredRecord;
import org.vmrole.fabric.store.Write;

/** The store contract against a real one-member etcd; each test gets its own root folder. */
class EtcdStoreTest extends StoreContract {
    private static final AtomicInteger ROOTS = new AtomicInteger();
    private static EtcdCluster etcd;
    private static Client client;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1);
        client = etcd.client();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @Override
    protected Store open() {
        return EtcdStore.over(client, "/test-" + ROOTS.incrementAndGet() + "/", EtcdStore.DEFAULT_TIMEOUT, 20);
    }

    @Test
    void keeps_its_records_apart_from_another_root_in_the_same_cluster() {
        store.put("a", "mine", Store.ABSENT);
        try (Store other = open()) {
            assertThat(other.get("a")).isEmpty();
            assertThat(other.revision()).isZero();
            other.put("a", "theirs", Store.ABSENT);
        }
        assertThat(store.get("a").orElseThrow().value()).isEqualTo("mine");
        assertThat(store.list("")).hasSize(1);
    }

    @Test
    void lists_more_keys_than_one_page_of_etcd_holds_in_key_order() {
        for (int batch = 0; batch < 3; batch++) {
            List<Write> writes = new ArrayList<>();
            for (int i = 0; i < 900; i++) writes.add(Write.put("instances/%04d".formatted(batch * 900 + i), "v", Store.ABSENT));
            store.commit(writes);
        }
        List<StoredRecord> all = store.list("instances/");
        assertThat(all).hasSize(2700);
        assertThat(all).extracting(StoredRecord::key).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void says_it_has_no_quorum_within_seconds_when_etcd_is_gone() {
        try (EtcdCluster lonely = EtcdCluster.start(1); Store gone = EtcdStore.open(lonely.address(), "/vmrole/")) {
            gone.put("a", "1", Store.ABSENT);
            lonely.killMember(0);
            long started = System.nanoTime();
            assertThatThrownBy(() -> gone.put("b", "2", Store.ABSENT)).isInstanceOf(StoreUnavailable.class).hasMessageContaining("no quorum");
            assertThatThrownBy(() -> gone.get("a")).isInstanceOf(StoreUnavailable.class).hasMessageContaining("cannot be reached");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
