package org.vmrole.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.vmrole.guest.agent.AgentPackage;
import org.vmrole.guest.image.SampleImage;

/**
 * examples/debian-nginx/build.sh run once per set of inputs (the script, its rootfs files, the agent version and the
 * variant), cached like the sample image under {@code <cache>/debian-nginx/<hash>/}: minutes to build, so never twice.
 */
final class DebianExampleImage {
    static final Path EXAMPLE = Path.of("../examples/debian-nginx").toAbsolutePath().normalize();

    private DebianExampleImage() {
    }

    /** True where the example can be built: mmdebstrap installed and running as root (or it has nothing to unshare into). */
    static boolean buildable() {
        return Files.isExecutable(Path.of("/usr/bin/mmdebstrap")) && "root".equals(System.getProperty("user.name"));
    }

    static synchronized Path ensure(boolean withAgent) throws Exception {
        Path dir = SampleImage.defaultCacheRoot().resolve("debian-nginx").resolve(inputsHash(withAgent));
        Path image = dir.resolve("debian-nginx.qcow2");
        Files.createDirectories(dir);
        try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE); var held = lock.lock()) {
            if (Files.isRegularFile(image)) return image;
            Path launcher = dir.resolve("vmrole");
            Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                    + System.getProperty("java.class.path") + "' org.vmrole.server.Main \"$@\"\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
            Path building = dir.resolve("building.qcow2");
            Files.deleteIfExists(building);
            List<String> command = withAgent ? List.of(EXAMPLE.resolve("build.sh").toString(), building.toString())
                    : List.of(EXAMPLE.resolve("build.sh").toString(), building.toString(), "--without-agent");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("build.log").toFile());
            pb.environment().put("VMROLE", launcher.toString());
            long started = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("build.sh failed; see " + dir.resolve("build.log"));
            }
            System.out.printf("debian-nginx example (%s) built in %.0f s: %.0f MiB%n", withAgent ? "with agent" : "without agent",
                    (System.nanoTime() - started) / 1e9, Files.size(building) / 1048576.0);
            Files.setPosixFilePermissions(building, PosixFilePermissions.fromString("r--r--r--"));
            Files.move(building, image);
            return image;
        }
    }

    private static String inputsHash(boolean withAgent) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(("variant " + (withAgent ? "agent " + AgentPackage.version() : "cloud-init") + "\n").getBytes(StandardCharsets.UTF_8));
        if (withAgent) {
            Path deb = Files.createTempFile("agent", ".deb");
            try {
                new AgentPackage().deb(deb);
                sha.update(Files.readAllBytes(deb));
            } finally {
                Files.deleteIfExists(deb);
            }
        }
        try (Stream<Path> files = Files.walk(EXAMPLE)) {
            // the recipe only: build.sh and the files it copies in (not the service files or docs beside them)
            for (Path f : files.filter(Files::isRegularFile).filter(f -> EXAMPLE.relativize(f).toString().equals("build.sh")
                    || EXAMPLE.relativize(f).startsWith("rootfs")).sorted().toList()) {
                sha.update((EXAMPLE.relativize(f) + "\n").getBytes(StandardCharsets.UTF_8));
                sha.update(Files.readAllBytes(f));
            }
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }
}
