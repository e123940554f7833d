package org.vmrole.image.contents;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk image seen as a raw file without copying it: qemu-storage-daemon's read-only FUSE export of the image, mounted
 * over an empty file. Inspection reads a few MiB of a root filesystem with debugfs; converting the whole image to a raw
 * file first cost it a pass over every byte (a 707 MiB image: the longest step of an upload's commit, BENCHMARKS.md).
 * Where FUSE is not available (no {@code /dev/fuse}, no mount rights), {@link #open} answers empty and the caller copies.
 */
final class FuseView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FuseView.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Formats the daemon opens by the driver of the same name; the uploads vmrole takes are raw, qcow2 and VHD (vpc). */
    private static final List<String> DRIVERS = List.of("qcow2", "vpc");
    private static final long MOUNT_WAIT_MILLIS = 10_000;
    /** The daemon ends by itself after this even if nobody stops it (a JVM killed mid-inspection). */
    private static final int LIFETIME_SECONDS = 900;

    private final Process daemon;
    private final Path file;

    private FuseView(Process daemon, Path file) {
        this.daemon = daemon;
        this.file = file;
    }

    /** The raw bytes of the image as a file, read-only. */
    Path file() {
        return file;
    }

    /**
     * Exports {@code image} of {@code format} at {@code work/disk.view}; empty when the format has no driver here or the
     * export does not come up (the reason is logged).
     */
    static Optional<FuseView> open(Path image, String format, long virtualSize, Path work) throws IOException {
        if (!DRIVERS.contains(format) || !Files.exists(Path.of("/dev/fuse"))) return Optional.empty();
        Path mountpoint = Files.createFile(work.resolve("disk.view"));
        // read-only throughout, and no backing file is ever opened: the image is a tenant's upload
        String file = JSON.writeValueAsString(Map.of("driver", "file", "node-name", "file", "filename", image.toAbsolutePath().toString(), "read-only", true));
        Map<String, Object> node = new LinkedHashMap<>(Map.of("driver", format, "node-name", "disk", "file", "file", "read-only", true));
        if (format.equals("qcow2")) node.put("backing", null);
        String disk = JSON.writeValueAsString(node);
        // a comma inside an option's value is written twice
        String export = "type=fuse,id=view,node-name=disk,mountpoint=" + mountpoint.toString().replace(",", ",,") + ",writable=off";
        Process p = new ProcessBuilder("timeout", Integer.toString(LIFETIME_SECONDS), "qemu-storage-daemon",
                "--blockdev", file, "--blockdev", disk, "--export", export)
                .redirectErrorStream(true).redirectOutput(work.resolve("disk.view.log").toFile()).start();
        FuseView view = new FuseView(p, mountpoint);
        long deadline = System.currentTimeMillis() + MOUNT_WAIT_MILLIS;
        try {
            // mounted once the file shows the image's size (the empty file under it has none)
            while (Files.size(mountpoint) != virtualSize) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    log.info("no FUSE view of {} ({}); copying it instead", image.getFileName(),
                            p.isAlive() ? "not mounted within " + MOUNT_WAIT_MILLIS + " ms" : LinuxDisk.firstLine(Files.readString(work.resolve("disk.view.log"))));
                    view.close();
                    return Optional.empty();
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            view.close();
            throw new IOException("interrupted while exporting " + image.getFileName(), e);
        }
        return Optional.of(view);
    }

    /** Stops the daemon, which unmounts the view; a daemon that does not stop is killed and the mount removed. */
    @Override
    public void close() {
        daemon.destroy(); // timeout passes the SIGTERM on; the daemon unmounts as it exits
        try {
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.descendants().forEach(ProcessHandle::destroyForcibly);
                daemon.destroyForcibly();
                new ProcessBuilder("umount", "-l", file.toString()).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            log.warn("the FUSE view {} may be left mounted: {}", file, e.getMessage());
        }
    }
}
