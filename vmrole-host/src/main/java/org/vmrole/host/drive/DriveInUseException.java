package org.vmrole.host.drive;

/** A drive is already attached for writing elsewhere; the message names the holder. */
public final class DriveInUseException extends RuntimeException {
    private final String holder;

    public DriveInUseException(String drive, String holder) {
        super("drive " + drive + " is attached for writing by " + holder
                + "; only one writer may hold it: attach it in mode=\"snapshot\" to read it, or detach it there first");
        this.holder = holder;
    }

    public String holder() {
        return holder;
    }
}
