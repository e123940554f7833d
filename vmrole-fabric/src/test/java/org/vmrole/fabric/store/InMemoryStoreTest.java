package org.vmrole.fabric.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InMemoryStoreTest extends StoreContract {
    @Override
    protected Store open() {
        return new InMemoryStore(20);
    }

    @Test
    void forgets_old_history_and_says_so() {
        for (int i = 0; i < 50; i++) store.put("k" + i, "v", Store.ANY);
        assertThatThrownBy(() -> store.changesSince(1)).isInstanceOf(HistoryCompacted.class);
        assertThat(store.changesSince(45)).hasSize(5);
    }
}
