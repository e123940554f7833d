package org.vmrole.server.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole key create|list|revoke}. */
@Command(name = "key", description = "Manage API keys of a subscription.",
        subcommands = {KeyCommand.Create.class, KeyCommand.List.class, KeyCommand.Revoke.class})
public final class KeyCommand {

    /** The subscription a key command acts on: given, or the caller's own when it has exactly one. */
    static String subscription(ApiClient client, String given) {
        if (given != null) return given;
        var subs = client.get("/subscriptions").path("subscriptions");
        if (subs.size() != 1) throw new CliFailure(2, "say which subscription with --subscription ID");
        return subs.get(0).get("id").asText();
    }

    @Command(name = "create", description = "Create a key; its secret is printed once.")
    static final class Create extends ApiCommand {
        @Option(names = "--subscription") String subscription;
        @Option(names = "--description") String description;

        @Override
        protected int run(ApiClient client) {
            Map<String, Object> body = new HashMap<>();
            if (description != null) body.put("description", description);
            var k = client.post("/subscriptions/" + subscription(client, subscription) + "/keys", body);
            return show(k, () -> {
                out().println("key " + text(k, "id") + " for subscription " + text(k, "subscriptionId") + " (shown once, keep it safe):");
                out().println(text(k, "key"));
            });
        }
    }

    @Command(name = "list", description = "List keys (ids only).")
    static final class List extends ApiCommand {
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var r = client.get("/subscriptions/" + subscription(client, subscription) + "/keys");
            return show(r, () -> {
                Table t = new Table("ID", "DESCRIPTION", "CREATED", "REVOKED");
                r.path("keys").forEach(k -> t.row(text(k, "id"), text(k, "description"), text(k, "created"), text(k, "revoked")));
                t.print(out());
            });
        }
    }

    @Command(name = "revoke", description = "Revoke a key: it stops working at once.")
    static final class Revoke extends ApiCommand {
        @Parameters(paramLabel = "KEY_ID") String keyId;
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/subscriptions/" + subscription(client, subscription) + "/keys/" + keyId);
            return show(r, () -> out().println("revoked key " + keyId));
        }
    }
}
