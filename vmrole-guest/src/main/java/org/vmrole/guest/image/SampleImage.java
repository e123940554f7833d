package org.vmrole.guest.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared, cached sample image for tests and demos: built once per set of inputs under
 * {@code <cache>/sample-image/<inputs hash>/sample.qcow2}, then reused by every module and process.
 */
public final class SampleImage {

    /** Images already checked in this process, by cache root: later calls skip apt-cache and hashing. */
    private static final Map<Path, Path> ENSURED = new HashMap<>();

    private SampleImage() {
    }

    /** {@code $VMROLE_CACHE}, else {@code ~/.cache/vmrole}. */
    public static Path defaultCacheRoot() {
        String env = System.getenv("VMROLE_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "vmrole");
    }

    /** {@link #ensure(Path)} with the default cache root. */
    public static Path ensure() {
        return ensure(defaultCacheRoot());
    }

    /**
     * The sample image as qcow2 (no backing file), building it if this set of inputs has not been
     * built yet. Debian packages are cached in {@code <cacheRoot>/debs}. Safe across threads and
     * processes: one builds, the others wait and reuse. Treat the file as read-only (use overlays).
     */
    public static synchronized Path ensure(Path cacheRoot) {
        Path known = ENSURED.get(cacheRoot.toAbsolutePath());
        if (known != null && Files.isRegularFile(known)) {
            return known;
        }
        SampleImageBuilder builder = new SampleImageBuilder(cacheRoot.resolve("debs"));
        List<Path> debs = builder.inputs();
        Path dir = cacheRoot.resolve("sample-image").resolve(builder.inputsHash(debs).substring(0, 16));
        Path image = dir.resolve("sample.qcow2");
        try {
            Files.createDirectories(dir);
            try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 var held = lock.lock()) {
                if (!Files.isRegularFile(image)) {
                    builder.build(image, ImageFormat.QCOW2, Files.createTempDirectory(dir, "work-"));
                    // Instances boot through overlays; nothing may write the shared base.
                    Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("r--r--r--"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ENSURED.put(cacheRoot.toAbsolutePath(), image);
        return image;
    }
}
