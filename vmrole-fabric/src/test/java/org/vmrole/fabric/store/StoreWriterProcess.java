package org.vmrole.fabric.store;

import java.nio.file.Path;

/** A child process for the kill -9 test: writes keys forever, acknowledging each after its commit returned. */
public final class StoreWriterProcess {
    public static void main(String[] args) {
        Store store = SqliteStore.open(Path.of(args[0]));
        for (int i = 0; ; i++) {
            String key = "instances/d1/WebVM_IN_" + i;
            store.put(key, "{\"incarnation\":" + i + "}", Store.ABSENT);
            System.out.println("ack " + key);
            System.out.flush();
        }
    }
}
