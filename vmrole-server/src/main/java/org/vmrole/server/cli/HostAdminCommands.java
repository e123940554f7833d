package org.vmrole.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vmrole host list|token|revoke}: the administrator's view of hosts. */
public final class HostAdminCommands {
    private HostAdminCommands() {}

    @Command(name = "list", description = "List hosts with fault domain, capacity and health (administrator).")
    public static final class ListHosts extends ApiCommand {
        @Override
        protected int run(ApiClient client) {
            var r = client.get("/hosts");
            return show(r, () -> {
                Table t = new Table("HOST", "FD", "STATUS", "CORES", "MEMORY", "HEARTBEAT");
                r.path("hosts").forEach(h -> t.row(text(h, "name"), text(h, "faultDomain"), text(h, "status"), text(h, "cores"),
                        text(h, "memoryMiB") + " MiB", h.path("heartbeatAgeMillis").asLong() + " ms ago"));
                t.print(out());
            });
        }
    }

    @Command(name = "token", description = "Issue a join token for a host (administrator); shown once.")
    public static final class Token extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        protected int run(ApiClient client) {
            var r = client.post("/hosts/" + host + "/join-token", java.util.Map.of());
            return show(r, () -> {
                out().println("join token for host " + host + " (shown once):");
                out().println(text(r, "joinToken"));
                out().println("run on the host: VMROLE_JOIN_TOKEN=<token> ./vmrole host --controller " + client.base() + " --name " + host
                        + " --fault-domain N --data DIR");
            });
        }
    }

    @Command(name = "drain", description = "Drain a host: its instances move to other hosts, one per role at a time (administrator).")
    public static final class Drain extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        protected int run(ApiClient client) {
            var r = client.post("/hosts/" + host + "/drain", java.util.Map.of());
            return show(r, () -> out().println("host " + host + " is " + text(r, "status") + "; its instances are moving away (./vmrole host list)"));
        }
    }

    @Command(name = "undrain", description = "Take a drained host back into placement (administrator).")
    public static final class Undrain extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        protected int run(ApiClient client) {
            var r = client.post("/hosts/" + host + "/undrain", java.util.Map.of());
            return show(r, () -> out().println("host " + host + " is " + text(r, "status")));
        }
    }

    @Command(name = "revoke", description = "Revoke a host: its instances move to other hosts (administrator).")
    public static final class Revoke extends ApiCommand {
        @Parameters(paramLabel = "HOST") String host;

        @Override
        protected int run(ApiClient client) {
            var r = client.post("/hosts/" + host + "/revoke", java.util.Map.of());
            return show(r, () -> out().println("revoked host " + host));
        }
    }
}
