package org.vmrole.host;

/** A VM could not be started; the message names the cause and the fix, and nothing was left behind. */
public class VmStartException extends RuntimeException {
    public VmStartException(String message) {
        super(message);
    }

    public VmStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
