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

/** The commands of a rolling upgrade: upgrade (or roll back) a deployment, and walk a manual upgrade's next update domain. */
public final class UpgradeCommands {
    private UpgradeCommands() {}

    @Command(name = "upgrade", description = "Upgrade a deployment in place, one update domain at a time; --rollback returns the walked domains to the old version.")
    public static final class Upgrade extends DeploymentCommands.SlotCommand {
        @Option(names = "--config", description = "ServiceConfiguration.cscfg of the new version (alone: the running definition is kept)") Path config;
        @Option(names = "--definition", description = "ServiceDefinition.csdef of the new version") Path definition;
        @Option(names = "--file", description = "service.yaml of the new version (instead of --definition and --config)") Path yaml;
        @Option(names = "--image", description = "an uploaded image every role runs, instead of the configuration's") String image;
        @Option(names = "--mode", description = "auto (default): walk every update domain; manual: walk each with ./vmrole walk", defaultValue = "auto") String mode;
        @Option(names = "--rollback", description = "return the walked update domains to the version before the upgrade") boolean rollback;

        @Override
        protected int run(ApiClient client) {
            String upgrade = path() + "/upgrade";
            if (rollback) {
                if (config != null || definition != null || yaml != null || image != null) throw new CliFailure(2, "--rollback takes no new version; drop --config, --definition, --file and --image");
                return started(client, client.post(upgrade + "/rollback" + q(), Map.of()), "rolling back " + service + " " + slot);
            }
            if (!mode.equals("auto") && !mode.equals("manual")) throw new CliFailure(2, "--mode must be auto or manual, not '" + mode + "'");
            Map<String, Object> body = new HashMap<>();
            if (yaml != null) {
                if (definition != null || config != null) throw new CliFailure(2, "give --file, or --config (with --definition if it changes), not both");
                body.put("yaml", read(yaml));
                body.put("definitionName", yaml.getFileName().toString());
            } else if (config != null) {
                body.put("configuration", read(config));
                body.put("configurationName", config.getFileName().toString());
                if (definition != null) {
                    body.put("definition", read(definition));
                    body.put("definitionName", definition.getFileName().toString());
                }
            } else {
                throw new CliFailure(2, "give the new version: --config F.cscfg [--definition F.csdef], or --file F.yaml; or --rollback");
            }
            body.put("mode", mode);
            if (image != null) body.put("image", image);
            return started(client, client.post(upgrade + q(), body), "upgrading " + service + " " + slot + " (" + mode + ")");
        }

        private static String read(Path f) {
            try {
                return Files.readString(f);
            } catch (IOException e) {
                throw new CliFailure(2, "cannot read " + f + ": " + e.getMessage());
            }
        }
    }

    /** The line {@code status} shows for an upgrade under way, or null when there is none. */
    static String describe(JsonNode deployment) {
        JsonNode u = deployment.path("upgrade");
        if (u.isMissingNode() || u.isNull()) return null;
        String what = (u.path("rollback").asBoolean() ? "rolling back to version " : "upgrading to version ") + u.path("targetVersion").asInt()
                + " (" + u.path("mode").asText() + ")";
        String where = u.path("currentDomain").asInt() >= 0 ? "update domain " + u.path("currentDomain").asInt() + " in flight" : "between update domains";
        String line = what + ": " + u.path("state").asText() + ", " + where + ", walked " + u.path("walkedDomains") + ", pending " + u.path("pendingDomains");
        return u.hasNonNull("reason") ? line + "; " + u.path("reason").asText() : line;
    }

    @Command(name = "walk", description = "Walk the next update domain of a manual upgrade.")
    public static final class Walk extends DeploymentCommands.SlotCommand {
        @Parameters(index = "1", paramLabel = "UD", description = "the update domain to walk (the next one)") int domain;

        @Override
        protected int run(ApiClient client) {
            return started(client, client.post(path() + "/upgrade/walk" + q(), Map.of("domain", domain)), "walking update domain " + domain + " of " + service);
        }
    }
}
