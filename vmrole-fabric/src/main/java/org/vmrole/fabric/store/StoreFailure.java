package org.vmrole.fabric.store;

/** The store could not be read or written (disk full, file locked, corrupt database). */
public final class StoreFailure extends RuntimeException {
    public StoreFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
