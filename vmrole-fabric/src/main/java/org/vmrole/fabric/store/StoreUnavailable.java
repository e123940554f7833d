package org.vmrole.fabric.store;

/**
 * The store cannot answer now (a distributed store without quorum, or none of its members reachable). A write that
 * failed this way may or may not have been applied: re-read before retrying. The API answers 503.
 */
public final class StoreUnavailable extends StoreFailure {
    public StoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
