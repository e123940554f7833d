package org.vmrole.server.cli;

/** A command that cannot go on: the message is for the person, the exit code for the script. */
public final class CliFailure extends RuntimeException {
    private final int exitCode;

    public CliFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
