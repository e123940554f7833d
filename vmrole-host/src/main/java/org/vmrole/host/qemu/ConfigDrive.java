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
 * with {@code meta-data} (instance id {@code <deployment>-<Role>_IN_<n>-<incarnation>}, so cloud-init runs its
 * per-instance steps again on every fresh disk), {@code user-data} and {@code vmrole/environment.json}. Built with
 * {@code mkfs.vfat} and {@code mcopy}, so no root and no mount.
 *
 * <p>The user-data is the platform's cloud-config (hostname, and {@code /run/vmrole/environment} written by a
 * {@code bootcmd} at every boot, so an image without the agent learns its role) and, when the role names user-data of its own,
 * a MIME multipart holding both: cloud-init runs every part and merges the cloud-configs.
 */
final class ConfigDrive {
    private ConfigDrive() {
    }

    static void write(Assignment a, Path image) throws IOException {
        Path staging = Files.createTempDirectory(image.getParent(), "cidata");
        try {
            Files.writeString(staging.resolve("meta-data"), "instance-id: " + instanceId(a)
                    + "\nlocal-hostname: " + hostname(a) + "\n", StandardCharsets.UTF_8);
            Files.writeString(staging.resolve("user-data"), userData(a), StandardCharsets.UTF_8);
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

    static String instanceId(Assignment a) {
        return a.deploymentId() + "-" + a.instance() + "-" + a.incarnation();
    }

    /** The platform's cloud-config alone, or a multipart of it and the role's own user-data. */
    static String userData(Assignment a) throws IOException {
        String ours = cloudConfig(a);
        if (a.userData().isBlank()) return ours;
        String theirs = a.userData().endsWith("\n") ? a.userData() : a.userData() + "\n";
        String boundary = "vmrole-" + Integer.toHexString(theirs.hashCode()) + "-" + Integer.toHexString(ours.hashCode());
        while (theirs.contains(boundary) || ours.contains(boundary)) boundary += "x";
        return "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\nMIME-Version: 1.0\n\n"
                + part(boundary, "text/cloud-config", ours) + part(boundary, mimeType(theirs), theirs) + "--" + boundary + "--\n";
    }

    private static String part(String boundary, String type, String body) {
        return "--" + boundary + "\nContent-Type: " + type + "; charset=\"utf-8\"\nMIME-Version: 1.0\n\n" + body;
    }

    /** cloud-init's own names for the kinds of user-data, by their first line. */
    static String mimeType(String userData) {
        String first = userData.lines().findFirst().orElse("").strip();
        if (first.startsWith("#cloud-config")) return "text/cloud-config";
        if (first.startsWith("#!")) return "text/x-shellscript";
        if (first.startsWith("#cloud-boothook")) return "text/cloud-boothook";
        if (first.startsWith("#include")) return "text/x-include-url";
        if (first.startsWith("## template: jinja")) return "text/jinja2";
        return "text/plain";
    }

    /**
     * JSON is YAML: a cloud-config written by Jackson needs no YAML library and no quoting rules of our own. The
     * environment goes to /run, a tmpfs, so it is written by {@code bootcmd} (every boot; cloud-init quotes each word
     * of a list command) rather than {@code write_files}, which runs once per instance id and would leave a rebooted
     * instance without it.
     */
    private static String cloudConfig(Assignment a) throws IOException {
        List<String> write = List.of("sh", "-c", "mkdir -p /run/vmrole && printf '%s' \"$1\" > /run/vmrole/environment.new"
                + " && mv /run/vmrole/environment.new /run/vmrole/environment", "vmrole-environment", EnvironmentFile.render(a));
        Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("hostname", hostname(a));
        config.put("bootcmd", List.of(write));
        return "#cloud-config\n" + JsonLineChannel.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n";
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
