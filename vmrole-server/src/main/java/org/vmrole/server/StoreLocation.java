package org.vmrole.server;

import java.nio.file.Path;
import org.vmrole.etcd.EtcdAddress;
import org.vmrole.etcd.EtcdStore;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.fabric.store.Store;

/** Where the server keeps the controller's state: {@code --store sqlite} (one file in the data folder) or {@code etcd://...}. */
public sealed interface StoreLocation {
    /** The folder every vmrole key lives under in etcd, so one cluster may serve other users as well. */
    String ETCD_ROOT = "/vmrole/";

    /** One SQLite file, {@code DATA/store.db}: one machine, one replica. */
    record Sqlite() implements StoreLocation {
    }

    /** An etcd cluster: several replicas, one leader. */
    record Etcd(EtcdAddress address) implements StoreLocation {
    }

    /** Parses the {@code --store} option; a refusal names the option and shows the accepted forms. */
    static StoreLocation parse(String value) {
        if (value == null || value.isBlank() || value.equals("sqlite")) return new Sqlite();
        if (value.startsWith("etcd:")) {
            try {
                return new Etcd(EtcdAddress.parse(value));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--store: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("--store must be 'sqlite' (the default: DATA/store.db) or etcd://HOST:PORT[,HOST:PORT...] "
                + "(an etcd cluster's client URLs), got '" + value + "'");
    }

    /** Opens the store: the SQLite file under {@code dataDir}, or a client of the etcd cluster. */
    default Store open(Path dataDir) {
        return switch (this) {
            case Sqlite s -> SqliteStore.open(dataDir.resolve("store.db"));
            case Etcd e -> EtcdStore.open(e.address(), ETCD_ROOT);
        };
    }
}
