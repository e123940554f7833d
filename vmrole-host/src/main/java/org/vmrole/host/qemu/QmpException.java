package org.vmrole.host.qemu;

/** A QMP command failed: QEMU answered with an error, the socket closed, or no answer came in time. */
public class QmpException extends RuntimeException {
    public QmpException(String message) {
        super(message);
    }

    public QmpException(String message, Throwable cause) {
        super(message, cause);
    }
}
