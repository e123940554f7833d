package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code vmrole controller status}: the control plane's replicas, its leader and the etcd members (administrator). */
@Command(name = "controller", description = "The control plane: replicas, which one leads, etcd members and their health.",
        subcommands = {ControllerCommand.Status.class})
public final class ControllerCommand {

    @Command(name = "status", description = "Which replica leads and since when, every replica, and the etcd members with their health (administrator).")
    public static final class Status extends ApiCommand {
        @Override
        protected int run(ApiClient client) {
            JsonNode s = client.get("/controller/status");
            return show(s, () -> {
                String leader = text(s, "leader");
                out().println(leader == null ? "no replica leads now (one is elected within the lease time, 2 s)"
                        : "leader " + leader + " since " + text(s, "leaderSince"));
                Table replicas = new Table("REPLICA", "ROLE", "SINCE");
                for (JsonNode r : s.path("replicas")) replicas.row(text(r, "address"), r.path("leader").asBoolean() ? "leader" : "follower", text(r, "since"));
                replicas.print(out());
                if (s.path("members").isEmpty()) {
                    out().println("store: SQLite on the leader's machine (no etcd members)");
                    return;
                }
                Table members = new Table("ETCD MEMBER", "URL", "HEALTH", "ROLE");
                for (JsonNode m : s.path("members")) {
                    members.row(text(m, "name"), text(m, "url"), m.path("healthy").asBoolean() ? "healthy" : text(m, "problem"),
                            m.path("leader").asBoolean() ? "leader" : "-");
                }
                members.print(out());
            });
        }
    }
}
