package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Option;

/** A command that starts an operation: prints it, and with {@code --wait} follows it to the end. */
public abstract class ChangeCommand extends ApiCommand {
    @Option(names = "--wait", description = "wait for the operation to finish, showing its progress")
    boolean waitForIt;

    @Option(names = "--timeout", description = "seconds --wait waits (default: ${DEFAULT-VALUE})", defaultValue = "900")
    int timeoutSeconds;

    @Option(names = "--subscription", description = "the subscription to act for (administrator only)")
    String subscription;

    protected String q() {
        return subscription == null ? "" : "?subscription=" + subscription;
    }

    protected int started(ApiClient client, JsonNode operation, String what) {
        String id = text(operation, "id");
        if (api.json() && !waitForIt) return show(operation, () -> { });
        out().println(what + ": operation " + id + " accepted");
        out().flush();
        if (!waitForIt) {
            out().println("follow it with: ./vmrole operation wait " + id);
            return 0;
        }
        return OperationWait.follow(client, id, out(), timeoutSeconds);
    }
}
