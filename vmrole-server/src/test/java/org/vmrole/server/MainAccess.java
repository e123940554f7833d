package org.vmrole.server;

import picocli.CommandLine;

/** Lets tests in other packages build the CLI exactly as {@code main} does. */
public final class MainAccess {
    private MainAccess() {}

    public static CommandLine commandLine() {
        return Main.commandLine();
    }
}
