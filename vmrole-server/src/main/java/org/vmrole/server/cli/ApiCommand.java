package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A CLI command that talks to the management API; failures become a message and the promised exit code. */
public abstract class ApiCommand implements Callable<Integer> {
    @Mixin
    protected ApiOptions api;

    @Spec
    protected CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return run(api.client());
        } catch (CliFailure f) {
            err().println("error: " + f.getMessage());
            err().flush();
            return f.exitCode();
        }
    }

    protected abstract int run(ApiClient client);

    protected PrintWriter out() { return spec.commandLine().getOut(); }

    protected PrintWriter err() { return spec.commandLine().getErr(); }

    /** Prints the server's JSON as is when {@code -o json}; otherwise lets the command draw its table. */
    protected int show(JsonNode json, Runnable table) {
        if (api.json()) {
            out().println(JsonTree.write(json, true));
        } else {
            table.run();
        }
        out().flush();
        return 0;
    }

    protected static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
