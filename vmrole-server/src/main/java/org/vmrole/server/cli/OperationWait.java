package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/** Follows an operation until it ends, printing each new progress line; answers the CLI's exit code (0 ok, 1 failed). */
public final class OperationWait {
    private OperationWait() {}

    public static int follow(ApiClient client, String operationId, PrintWriter out, int timeoutSeconds) {
        long until = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        String last = null;
        JsonNode op;
        do {
            op = client.get("/operations/" + operationId + "?wait=2");
            String progress = op.path("progress").asText("");
            if (!progress.equals(last)) {
                out.println("  " + operationId + ": " + progress);
                out.flush();
                last = progress;
            }
        } while ("InProgress".equals(op.path("status").asText()) && System.nanoTime() < until);
        String status = op.path("status").asText();
        if ("Succeeded".equals(status)) {
            out.println(operationId + " succeeded");
            out.flush();
            return 0;
        }
        if ("InProgress".equals(status)) {
            throw new CliFailure(1, operationId + " still in progress after " + timeoutSeconds + " s; follow it with ./vmrole operation wait " + operationId);
        }
        throw new CliFailure(1, operationId + " failed: " + op.path("error").asText("(no reason given)"));
    }
}
