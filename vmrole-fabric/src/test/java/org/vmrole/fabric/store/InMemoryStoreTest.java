package org.vmrole.fabric.store;

class InMemoryStoreTest extends StoreContract {
    @Override
    protected Store open() {
        return new InMemoryStore(20);
    }
}
