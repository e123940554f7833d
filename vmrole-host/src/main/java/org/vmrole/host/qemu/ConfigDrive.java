package org.vmrole.host.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.vmrole.model.host.Assignment;

/**
 * Writes the read-only NoCloud config drive of an instance: a small FAT image labelled {@code CIDATA}
 * with {@code meta-data}, {@code user-data} and {@code vmrole/environment.json}. Built with
 * {@code mkfs.vfat} and {@code mcopy}, so no root and no mount.
 */
final class ConfigDrive {
    private ConfigDrive() {
    }

    static void write(Assignment a, Path image) throws IOException {
        Path staging = Files.createTempDirectory(image.getParent(), "cidata");
        try {
            Files.writeString(staging.resolve("meta-data"), "instance-id: " + a.deploymentId() + "-" + a.instance() + "-" + a.incarnation()
                    + "\nlocal-hostname: " + hostname(a) + "\n", StandardCharsets.UTF_8);
            Files.writeString(staging.resolve("user-data"), "#cloud-config\n", StandardCharsets.UTF_8);
            Path vmrole = Files.createDirectory(staging.resolve("vmrole"));
            Map<String, Object> env = AgentEnvironment.of(a);
            // One line: the same bytes as the agent's environment message, which simple agents read with head -n 1.
            Files.writeString(vmrole.resolve("environment.json"), JsonLineChannel.JSON.writeValueAsString(env) + "\n", StandardCharsets.UTF_8);
            Files.deleteIfExists(image);
            HostCommand.require(List.of(mkfsVfat(), "-C", "-n", "CIDATA", image.toString(), "1024"), Duration.ofSeconds(30));
            HostCommand.require(List.of("mcopy", "-i", image.toString(), "-s",
                    staging.resolve("meta-data").toString(), staging.resolve("user-data").toString(), vmrole.toString(), "::"),
                    Duration.ofSeconds(30));
        } finally {
            try (Stream<Path> files = Files.walk(staging)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Debian keeps mkfs.vfat in /usr/sbin, which is not on a normal user's PATH. */
    static String mkfsVfat() {
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "mkfs.vfat");
            if (Files.isExecutable(p)) return p.toString();
        }
        return "mkfs.vfat";
    }

    /** A DNS label made of the instance name. */
    static String hostname(Assignment a) {
        String h = a.instance().toString().toLowerCase().replaceAll("[^a-z0-9-]", "-");
        return h.length() > 63 ? h.substring(0, 63) : h;
    }
}
