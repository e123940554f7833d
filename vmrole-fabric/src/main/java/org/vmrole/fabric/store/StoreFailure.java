package org.vmrole.fabric.store;

/** The store could not be read or written (disk full, file locked, corrupt database, no quorum). */
public class StoreFailure extends RuntimeException {
    public StoreFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
