package org.vmrole.server.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole drive create|list|snapshot|sas|delete}: fixed-VHD drives in the subscription's storage accounts. */
@Command(name = "drive", description = "Manage drives: fixed VHDs in page blobs that instances mount as disks.",
        subcommands = {DriveCommand.Create.class, DriveCommand.List.class, DriveCommand.Snapshot.class, DriveCommand.Sas.class, DriveCommand.Delete.class})
public final class DriveCommand {

    abstract static class Base extends ApiCommand {
        @Option(names = "--subscription", description = "The subscription to act for (the administrator only).") String subscription;

        String acting() {
            return StorageAccountCommand.acting(subscription);
        }
    }

    @Command(name = "create", description = "Create a drive of --size (a multiple of 512 bytes, e.g. 64MiB) in a storage account.")
    static final class Create extends Base {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--account", required = true, description = "The storage account that keeps the drive's page blob.") String account;
        @Option(names = "--size", required = true, description = "The disk's size: 64MiB, 1GiB, or bytes (a multiple of 512).") String size;

        @Override
        protected int run(ApiClient client) {
            Map<String, Object> body = Map.of("name", name, "account", account, "sizeBytes", ByteSize.parse(size, "--size"));
            var d = client.post("/drives" + acting(), body);
            return show(d, () -> out().println("created drive " + text(d, "name") + " (" + text(d, "sizeBytes") + " bytes, fixed VHD) at " + text(d, "url")));
        }
    }

    @Command(name = "list", description = "List the subscription's drives.")
    static final class List extends Base {
        @Override
        protected int run(ApiClient client) {
            var r = client.get("/drives" + acting());
            return show(r, () -> {
                Table t = new Table("NAME", "ACCOUNT", "SIZE", "URL");
                r.path("drives").forEach(d -> t.row(text(d, "name"), text(d, "account"), text(d, "sizeBytes"), text(d, "url")));
                t.print(out());
            });
        }
    }

    @Command(name = "snapshot", description = "Take a read-only snapshot of a drive.")
    static final class Snapshot extends Base {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        protected int run(ApiClient client) {
            var s = client.post("/drives/" + name + "/snapshot" + acting(), null);
            return show(s, () -> out().println("snapshot " + text(s, "snapshot") + " of drive " + name + ": " + text(s, "url")));
        }
    }

    @Command(name = "sas", description = "Print a read-only URL (a SAS valid for --hours) to download a drive.")
    static final class Sas extends Base {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--account", required = true, description = "The drive's storage account.") String account;
        @Option(names = "--hours", defaultValue = "1", description = "How long the URL works (default: ${DEFAULT-VALUE}).") int hours;

        @Override
        protected int run(ApiClient client) {
            Map<String, Object> body = new HashMap<>();
            body.put("account", account);
            body.put("hours", hours);
            var s = client.post("/drives/" + name + "/sas" + acting(), body);
            return show(s, () -> out().println(text(s, "url")));
        }
    }

    @Command(name = "delete", description = "Delete a drive and its snapshots (refused while an instance mounts it for writing).")
    static final class Delete extends Base {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/drives/" + name + acting());
            return show(r, () -> out().println("deleted drive " + name));
        }
    }
}
