package org.vmrole.guest.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.vmrole.guest.image.GuestFiles;
import org.vmrole.guest.image.HostTools;

/**
 * The guest agent as a package for images vmrole did not build: a Debian package ({@code dpkg-deb}) or a tarball with an
 * {@code install.sh}, both holding the agent and its helpers with their run bits (from guest/index), the systemd unit
 * ({@code Restart=always}, enabled at install) and the version the agent says in {@code hello}.
 */
public final class AgentPackage {
    public static final String NAME = "vmrole-guest-agent";
    static final String UNIT = "lib/systemd/system/" + NAME + ".service";
    /** Debian names of what the agent's scripts call; bash is essential, so the HTTP probe needs no nc. */
    static final String DEPENDS = "systemd, mawk | gawk | original-awk, sed, coreutils, util-linux, mount, iproute2";
    /** Every file is dated to this instant, so the same sources give the same package. */
    private static final String EPOCH = "1704067200";

    private final HostTools tools = new HostTools(Map.of("SOURCE_DATE_EPOCH", EPOCH));

    /** The agent's version, as in /usr/lib/vmrole/VERSION and its {@code hello}. */
    public static String version() {
        return new String(agentFile("/usr/lib/vmrole/VERSION").content(), StandardCharsets.UTF_8).strip();
    }

    /** Writes {@code vmrole-guest-agent_<version>_all.deb} content to {@code out}. */
    public void deb(Path out) {
        inStaging(stage -> {
            Path root = stage.resolve("root");
            writeFiles(root);
            Path control = Files.createDirectories(root.resolve("DEBIAN"));
            Files.writeString(control.resolve("control"), """
                    Package: %s
                    Version: %s
                    Architecture: all
                    Maintainer: vmrole maintainers <maintainers@vmrole.dev>
                    Depends: %s
                    Recommends: cloud-init
                    Section: admin
                    Priority: optional
                    Homepage: https://github.com/vmrole/vmrole
                    Description: vmrole guest agent
                     Reports a VM role instance's health to the vmrole fabric over virtio-serial,
                     publishes the role environment in /run/vmrole and keeps the role's app running.
                    """.formatted(NAME, version(), DEPENDS), StandardCharsets.UTF_8);
            write(control.resolve("postinst"), resource("postinst"), 0755);
            write(control.resolve("prerm"), resource("prerm"), 0755);
            normalizeTimes(root);
            tools.run(stage, null, List.of("dpkg-deb", "--root-owner-group", "-Zxz", "--build", root.toString(), out.toAbsolutePath().toString()));
        });
    }

    /** Writes a tarball: {@code vmrole-guest-agent-<version>/install.sh} and {@code files/} (the tree install.sh copies). */
    public void tar(Path out) {
        inStaging(stage -> {
            String top = NAME + "-" + version();
            Path dir = Files.createDirectories(stage.resolve(top));
            writeFiles(dir.resolve("files"));
            write(dir.resolve("install.sh"), resource("install.sh"), 0755);
            normalizeTimes(dir);
            tools.run(stage, null, List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@" + EPOCH,
                    "-czf", out.toAbsolutePath().toString(), top));
        });
    }

    /** The agent files under {@code root} as guest/index lists them, and the unit. */
    private static void writeFiles(Path root) throws IOException {
        for (GuestFiles.Entry e : agentFiles()) write(root.resolve(e.path().substring(1)), e.content(), e.mode());
        write(root.resolve(UNIT), resource(NAME + ".service"), 0644);
    }

    static List<GuestFiles.Entry> agentFiles() {
        return GuestFiles.load().tree("rootfs").stream()
                .filter(e -> e.kind() == GuestFiles.Kind.FILE && e.path().startsWith("/usr/lib/vmrole/")).toList();
    }

    private static GuestFiles.Entry agentFile(String path) {
        return GuestFiles.load().file("rootfs", path);
    }

    private static void write(Path file, byte[] content, int mode) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Files.setPosixFilePermissions(file, permissions(mode));
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, highest bit first
        for (int i = 0; i < 9; i++) if ((mode & (0400 >> i)) != 0) out.add(bits[i]);
        return out;
    }

    private static void normalizeTimes(Path root) throws IOException {
        var time = java.nio.file.attribute.FileTime.fromMillis(Long.parseLong(EPOCH) * 1000);
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, time);
                if (Files.isDirectory(p)) Files.setPosixFilePermissions(p, permissions(0755));
            }
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = AgentPackage.class.getResourceAsStream("/guest/package/" + name)) {
            if (in == null) throw new IllegalStateException("resource /guest/package/" + name + " is missing from the vmrole-guest jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface StagingWork {
        void run(Path stage) throws IOException;
    }

    private static void inStaging(StagingWork work) {
        Path stage = null;
        try {
            stage = Files.createTempDirectory("vmrole-agent-package");
            work.run(stage);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (stage != null) delete(stage);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temporary directory is not worth failing a build for
        }
    }
}
