package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole beta list|request|requests|approve|deny}. */
@Command(name = "beta", mixinStandardHelpOptions = true, description = "Beta programs: the VM Role is one; a subscription must be admitted.",
        subcommands = {BetaCommand.ListPrograms.class, BetaCommand.Request.class, BetaCommand.Requests.class,
                BetaCommand.Approve.class, BetaCommand.Deny.class})
public final class BetaCommand {

    static void requestTable(ApiCommand c, JsonNode requests) {
        Table t = new Table("ID", "PROGRAM", "SUBSCRIPTION", "STATE", "REQUESTED", "REASON");
        requests.forEach(r -> t.row(ApiCommand.text(r, "id"), ApiCommand.text(r, "program"), ApiCommand.text(r, "subscriptionId"),
                ApiCommand.text(r, "state"), ApiCommand.text(r, "requested"), ApiCommand.text(r, "reason")));
        t.print(c.out());
    }

    @Command(name = "list", description = "List beta programs.")
    static final class ListPrograms extends ApiCommand {
        @Override
        protected int run(ApiClient client) {
            var r = client.get("/beta/programs");
            return show(r, () -> {
                Table t = new Table("PROGRAM", "DESCRIPTION");
                r.path("programs").forEach(p -> t.row(text(p, "name"), text(p, "description")));
                t.print(out());
            });
        }
    }

    @Command(name = "request", description = "Ask to join a program.")
    static final class Request extends ApiCommand {
        @Parameters(paramLabel = "PROGRAM") String program;
        @Option(names = "--reason", required = true) String reason;

        @Override
        protected int run(ApiClient client) {
            var r = client.post("/beta/programs/" + program + "/requests", Map.of("reason", reason));
            return show(r, () -> out().println("request " + text(r, "id") + " to join " + program + " is " + text(r, "state")));
        }
    }

    @Command(name = "requests", description = "List admission requests (yours, or all for the administrator).")
    static final class Requests extends ApiCommand {
        @Option(names = "--state", description = "Pending, Approved or Denied") String state;

        @Override
        protected int run(ApiClient client) {
            var r = client.get("/beta/requests" + (state == null ? "" : "?state=" + state));
            return show(r, () -> requestTable(this, r.path("requests")));
        }
    }

    abstract static class Decide extends ApiCommand {
        @Parameters(paramLabel = "REQUEST_ID") String id;
        @Option(names = "--note") String note;

        int decide(ApiClient client, String verb) {
            Map<String, Object> body = new HashMap<>();
            if (note != null) body.put("note", note);
            var r = client.post("/beta/requests/" + id + "/" + verb, body);
            return show(r, () -> out().println("request " + id + " is " + text(r, "state")));
        }
    }

    @Command(name = "approve", description = "Approve a request (administrator).")
    static final class Approve extends Decide {
        @Override
        protected int run(ApiClient client) { return decide(client, "approve"); }
    }

    @Command(name = "deny", description = "Deny a request (administrator).")
    static final class Deny extends Decide {
        @Override
        protected int run(ApiClient client) { return decide(client, "deny"); }
    }
}
