package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands on a deployment in a slot: deploy, status, scale, reboot, reimage, logs, delete. */
public final class DeploymentCommands {
    private DeploymentCommands() {}

    /** Options every slot command shares. */
    abstract static class SlotCommand extends ChangeCommand {
        @Parameters(index = "0", paramLabel = "SERVICE") String service;
        @Option(names = "--slot", description = "production (default) or staging", defaultValue = "production") String slot;

        String path() {
            return "/services/" + service + "/deployments/" + slot;
        }
    }

    @Command(name = "deploy", description = "Deploy a service definition and configuration (or a YAML file) into a slot.")
    public static final class Deploy extends SlotCommand {
        @Option(names = "--definition", description = "ServiceDefinition.csdef") Path definition;
        @Option(names = "--config", description = "ServiceConfiguration.cscfg") Path config;
        @Option(names = "--file", description = "service.yaml (instead of --definition and --config)") Path yaml;

        @Override
        protected int run(ApiClient client) {
            Map<String, Object> body = new HashMap<>();
            if (yaml != null) {
                if (definition != null || config != null) throw new CliFailure(2, "give --file, or --definition with --config, not both");
                body.put("yaml", read(yaml));
                body.put("definitionName", yaml.getFileName().toString());
            } else if (definition != null && config != null) {
                body.put("definition", read(definition));
                body.put("configuration", read(config));
                body.put("definitionName", definition.getFileName().toString());
                body.put("configurationName", config.getFileName().toString());
            } else {
                throw new CliFailure(2, "give --definition F.csdef and --config F.cscfg, or --file F.yaml");
            }
            ensureService(client);
            return started(client, client.post(path() + q(), body), "deploying " + service + " to " + slot);
        }

        private void ensureService(ApiClient client) {
            boolean exists = false;
            for (JsonNode s : client.get("/services" + q()).path("services")) exists |= service.equals(text(s, "name"));
            if (!exists) {
                client.post("/services" + q(), Map.of("name", service));
                out().println("created service " + service);
            }
        }

        private static String read(Path f) {
            try {
                return Files.readString(f);
            } catch (IOException e) {
                throw new CliFailure(2, "cannot read " + f + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "status", description = "Show a deployment: every instance with state, host, fault and update domain, incarnation.")
    public static final class Status extends SlotCommand {
        @Override
        protected int run(ApiClient client) {
            var d = client.get(path() + q());
            return show(d, () -> {
                JsonNode instances = d.path("instances");
                int ready = 0;
                for (JsonNode i : instances) if ("ReadyRole".equals(text(i, "state"))) ready++;
                JsonNode sla = d.path("sla");
                out().println(slot + "  deployment " + text(d, "id") + "  " + (d.path("deleting").asBoolean() ? "deleting" : ready + "/" + instances.size() + " ready")
                        + "  upgrade domains " + text(d, "upgradeDomainCount") + "  (SLA: " + (sla.path("ok").asBoolean() ? "ok" : "at risk") + ", " + text(sla, "reason") + ")");
                String upgrade = UpgradeCommands.describe(d);
                if (upgrade != null) out().println(upgrade);
                for (JsonNode e : d.path("loadBalancer")) {
                    out().println("  " + text(e, "role") + "/" + text(e, "endpoint") + " (" + text(e, "protocol") + ")  load balancer " + text(e, "address")
                            + "  in rotation: " + (e.path("inRotation").isEmpty() ? "none" : inRotation(e.path("inRotation"))));
                }
                boolean withDrives = false;
                for (JsonNode i : instances) withDrives |= !i.path("drives").isEmpty();
                Table t = withDrives ? new Table("INSTANCE", "STATE", "HOST", "FD", "UD", "INC", "AGENT", "ENDPOINT", "DRIVES", "NOTE")
                        : new Table("INSTANCE", "STATE", "HOST", "FD", "UD", "INC", "AGENT", "ENDPOINT", "NOTE");
                for (JsonNode i : instances) {
                    StringBuilder ep = new StringBuilder();
                    for (JsonNode e : i.path("endpoints")) {
                        if (!ep.isEmpty()) ep.append(", ");
                        ep.append(text(e, "reachedAt")).append(" -> :").append(e.path("guestPort").asInt());
                    }
                    if (i.hasNonNull("privateAddress")) ep.append(ep.isEmpty() ? "" : ", ").append("private ").append(text(i, "privateAddress"));
                    String note = i.hasNonNull("waitingReason") ? "waiting: " + text(i, "waitingReason")
                            : i.hasNonNull("message") && !text(i, "message").isBlank() ? '"' + text(i, "message") + '"' : text(i, "lastCause");
                    if (withDrives) {
                        t.row(text(i, "instance"), text(i, "state"), text(i, "host"), fd(i), text(i, "updateDomain"), text(i, "incarnation"),
                                agent(i), ep.isEmpty() ? "-" : ep, drives(i), note);
                    } else {
                        t.row(text(i, "instance"), text(i, "state"), text(i, "host"), fd(i), text(i, "updateDomain"), text(i, "incarnation"),
                                agent(i), ep.isEmpty() ? "-" : ep, note);
                    }
                }
                t.print(out());
            });
        }

        /** The instances in rotation, as a JSON array of their names without the incarnation ({@code WebVM_IN_0@3}). */
        private static String inRotation(JsonNode rotation) {
            var names = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            for (JsonNode r : rotation) {
                String s = r.asText();
                names.add(s.indexOf('@') < 0 ? s : s.substring(0, s.indexOf('@')));
            }
            return JsonTree.write(names, false);
        }

        /** The agent's version, or "none (probe)" when the load-balancer probe judges an agentless instance. */
        static String agent(JsonNode i) {
            if ("probe".equals(text(i, "healthFrom"))) return "none (probe)";
            String a = text(i, "agent");
            return a == null || a.isBlank() ? "-" : a;
        }

        /** Each attached drive with its mode and, for a writer, its lease: "data write (lease held), old snapshot". */
        static String drives(JsonNode i) {
            StringBuilder b = new StringBuilder();
            for (JsonNode d : i.path("drives")) {
                if (!b.isEmpty()) b.append(", ");
                b.append(text(d, "name")).append(' ').append(text(d, "mode"));
                if ("write".equals(text(d, "mode"))) b.append(" (lease ").append(text(d, "lease")).append(')');
            }
            return b.isEmpty() ? "-" : b.toString();
        }

        private static String fd(JsonNode i) {
            return i.path("faultDomain").asInt() < 0 ? "-" : text(i, "faultDomain");
        }
    }

    @Command(name = "scale", description = "Set a role's instance count.")
    public static final class Scale extends SlotCommand {
        @Parameters(index = "1", paramLabel = "ROLE") String role;
        @Parameters(index = "2", paramLabel = "COUNT") int count;

        @Override
        protected int run(ApiClient client) {
            return started(client, client.post(path() + "/roles/" + role + "/scale" + q(), Map.of("count", count)),
                    "scaling " + role + " of " + service + " to " + count);
        }
    }

    @Command(name = "reboot", description = "Reboot an instance (its disk is kept).")
    public static final class Reboot extends SlotCommand {
        @Parameters(index = "1", paramLabel = "INSTANCE") String instance;

        @Override
        protected int run(ApiClient client) {
            return started(client, client.post(path() + "/instances/" + instance + "/reboot" + q(), Map.of()), "rebooting " + instance);
        }
    }

    @Command(name = "reimage", description = "Reimage an instance: a fresh disk from its image, every write since lost.")
    public static final class Reimage extends SlotCommand {
        @Parameters(index = "1", paramLabel = "INSTANCE") String instance;

        @Override
        protected int run(ApiClient client) {
            return started(client, client.post(path() + "/instances/" + instance + "/reimage" + q(), Map.of()), "reimaging " + instance);
        }
    }

    @Command(name = "logs", description = "Print the tail of an instance's serial console.")
    public static final class Logs extends SlotCommand {
        @Parameters(index = "1", paramLabel = "INSTANCE") String instance;
        @Option(names = "--bytes", defaultValue = "65536") int bytes;

        @Override
        protected int run(ApiClient client) {
            out().print(client.getText(path() + "/instances/" + instance + "/console?bytes=" + bytes + (subscription == null ? "" : "&subscription=" + subscription)));
            out().flush();
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete the deployment in a slot: every VM stopped, every overlay removed.")
    public static final class Delete extends SlotCommand {
        @Override
        protected int run(ApiClient client) {
            return started(client, client.delete(path() + q()), "deleting " + service + " " + slot);
        }
    }

    @Command(name = "swap", description = "Swap production and staging at the load balancer (a VIP swap).")
    public static final class Swap extends ChangeCommand {
        @Parameters(index = "0", paramLabel = "SERVICE") String service;

        @Override
        protected int run(ApiClient client) {
            var s = client.post("/services/" + service + "/swap" + q(), Map.of());
            return show(s, () -> out().println("swapped: production is now " + text(s.path("deployments"), "production")
                    + ", staging " + text(s.path("deployments"), "staging")));
        }
    }

    @Command(name = "operation", description = "Show or wait for an operation.",
            subcommands = {OperationShow.class, OperationWaitCommand.class})
    public static final class Operation {
    }

    @Command(name = "show", description = "Show an operation.")
    static final class OperationShow extends ApiCommand {
        @Parameters(paramLabel = "ID") String id;

        @Override
        protected int run(ApiClient client) {
            var op = client.get("/operations/" + id);
            return show(op, () -> out().println(text(op, "id") + "  " + text(op, "kind") + "  " + text(op, "status") + "  " + text(op, "progress")
                    + (op.hasNonNull("error") ? "  error: " + text(op, "error") : "")));
        }
    }

    @Command(name = "wait", description = "Wait for an operation to finish, showing its progress.")
    static final class OperationWaitCommand extends ApiCommand {
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--timeout", defaultValue = "900") int timeout;

        @Override
        protected int run(ApiClient client) {
            return OperationWait.follow(client, id, out(), timeout);
        }
    }
}
