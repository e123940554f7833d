package org.vmrole.server.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole service create|list|delete}. */
@Command(name = "service", description = "Manage hosted services (each has a production and a staging slot).",
        subcommands = {ServiceCommand.Create.class, ServiceCommand.List.class, ServiceCommand.Delete.class})
public final class ServiceCommand {

    @Command(name = "create", description = "Create a hosted service.")
    static final class Create extends ChangeCommand {
        @Parameters(paramLabel = "SERVICE") String name;
        @Option(names = "--label") String label;

        @Override
        protected int run(ApiClient client) {
            var s = client.post("/services" + q(), Map.of("name", name, "label", label == null ? name : label));
            return show(s, () -> out().println("created service " + name));
        }
    }

    @Command(name = "list", description = "List hosted services and what their slots hold.")
    static final class List extends ChangeCommand {
        @Override
        protected int run(ApiClient client) {
            var r = client.get("/services" + q());
            return show(r, () -> {
                Table t = new Table("SERVICE", "LABEL", "PRODUCTION", "STAGING");
                r.path("services").forEach(s -> t.row(text(s, "name"), text(s, "label"), text(s.path("deployments"), "production"),
                        text(s.path("deployments"), "staging")));
                t.print(out());
            });
        }
    }

    @Command(name = "delete", description = "Delete a hosted service that has no deployments.")
    static final class Delete extends ChangeCommand {
        @Parameters(paramLabel = "SERVICE") String name;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/services/" + name + q());
            return show(r, () -> out().println("deleted service " + name));
        }
    }
}
