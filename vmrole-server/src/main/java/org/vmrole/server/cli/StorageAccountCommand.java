package org.vmrole.server.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole storage-account create|list|keys|regenerate-key|delete}: a subscription's own storage accounts. */
@Command(name = "storage-account", description = "Manage the subscription's storage accounts (Blob, Queue and Table on the platform's storage service).",
        subcommands = {StorageAccountCommand.Create.class, StorageAccountCommand.List.class, StorageAccountCommand.Keys.class,
                StorageAccountCommand.RegenerateKey.class, StorageAccountCommand.Delete.class})
public final class StorageAccountCommand {

    /** {@code ?subscription=ID} when the administrator acts for a subscription; nothing for a tenant's own key. */
    static String acting(String subscription) {
        return subscription == null ? "" : "?subscription=" + subscription;
    }

    abstract static class AccountCommand extends ApiCommand {
        @Option(names = "--subscription", description = "The subscription to act for (the administrator only).") String subscription;

        int showKeys(com.fasterxml.jackson.databind.JsonNode k, String done) {
            return show(k, () -> {
                out().println(done + " (keys are secrets: keep them out of logs and source control)");
                out().println("primary key:       " + text(k, "primaryKey"));
                out().println("secondary key:     " + text(k, "secondaryKey"));
                out().println("connection string: " + text(k, "connectionString"));
            });
        }
    }

    @Command(name = "create", description = "Create an account (3-24 lowercase letters and digits, unique across the platform); prints its keys.")
    static final class Create extends AccountCommand {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        protected int run(ApiClient client) {
            return showKeys(client.post("/storage-accounts" + acting(subscription), Map.of("name", name)), "created storage account " + name);
        }
    }

    @Command(name = "list", description = "List the subscription's accounts and their endpoints.")
    static final class List extends AccountCommand {
        @Override
        protected int run(ApiClient client) {
            var r = client.get("/storage-accounts" + acting(subscription));
            return show(r, () -> {
                Table t = new Table("NAME", "CREATED", "BLOB ENDPOINT");
                r.path("accounts").forEach(a -> t.row(text(a, "name"), text(a, "created"), text(a, "blobEndpoint")));
                t.print(out());
            });
        }
    }

    @Command(name = "keys", description = "Print an account's two keys and its connection string.")
    static final class Keys extends AccountCommand {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        protected int run(ApiClient client) {
            return showKeys(client.get("/storage-accounts/" + name + "/keys" + acting(subscription)), "storage account " + name);
        }
    }

    // which key is a parameter, not --key: --key is every API command's credential
    @Command(name = "regenerate-key", description = "Replace one key: the old one stops working at once, the other keeps working.")
    static final class RegenerateKey extends AccountCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", arity = "0..1", paramLabel = "primary|secondary", defaultValue = "primary",
                description = "Which key (default: ${DEFAULT-VALUE}).") String key;

        @Override
        protected int run(ApiClient client) {
            return showKeys(client.post("/storage-accounts/" + name + "/regenerate-key" + acting(subscription), Map.of("key", key)),
                    "regenerated the " + key + " key of " + name);
        }
    }

    @Command(name = "delete", description = "Delete an account and everything stored in it.")
    static final class Delete extends AccountCommand {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/storage-accounts/" + name + acting(subscription));
            return show(r, () -> out().println("deleted storage account " + name));
        }
    }
}
