package org.vmrole.server.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole subscription create|list|delete}. */
@Command(name = "subscription", description = "Manage subscriptions (tenants).",
        subcommands = {SubscriptionCommand.Create.class, SubscriptionCommand.List.class, SubscriptionCommand.Delete.class})
public final class SubscriptionCommand {

    @Command(name = "create", description = "Create a subscription (administrator).")
    static final class Create extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "3-40 of a-z 0-9 -") String id;
        @Option(names = "--name", description = "display name") String name;

        @Override
        protected int run(ApiClient client) {
            var s = client.post("/subscriptions", Map.of("id", id, "displayName", name == null ? id : name));
            return show(s, () -> out().println("created subscription " + text(s, "id")));
        }
    }

    @Command(name = "list", description = "List subscriptions you may see.")
    static final class List extends ApiCommand {
        @Override
        protected int run(ApiClient client) {
            var r = client.get("/subscriptions");
            return show(r, () -> {
                Table t = new Table("ID", "NAME", "CREATED");
                r.path("subscriptions").forEach(s -> t.row(text(s, "id"), text(s, "displayName"), text(s, "created")));
                t.print(out());
            });
        }
    }

    @Command(name = "delete", description = "Delete a subscription and revoke its keys (administrator).")
    static final class Delete extends ApiCommand {
        @Parameters(paramLabel = "ID") String id;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/subscriptions/" + id);
            return show(r, () -> out().println("deleted subscription " + id));
        }
    }
}
