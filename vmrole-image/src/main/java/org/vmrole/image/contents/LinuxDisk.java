package org.vmrole.image.contents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Linux root filesystem of a disk image, read and edited with e2fsprogs' {@code debugfs} on a raw copy: no root,
 * no mount, no loop device, and the input is never written. Finds the root as the ext2/3/4 partition (or whole disk)
 * that holds {@code /etc}; other filesystems (xfs, btrfs, NTFS) are not read.
 */
final class LinuxDisk implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One directory entry as {@code debugfs ls -p} prints it. */
    record Entry(String name, int mode, long size) {
        boolean directory() {
            return (mode & 0170000) == 0040000;
        }

        boolean regular() {
            return (mode & 0170000) == 0100000;
        }

        boolean symlink() {
            return (mode & 0170000) == 0120000;
        }
    }

    private final Path raw;
    private final String device;
    /** What keeps {@link #raw} readable (a FUSE view), closed with the disk; null for a file of its own. */
    private final AutoCloseable keeper;

    private LinuxDisk(Path raw, long offset, AutoCloseable keeper) {
        this.raw = raw;
        this.device = raw + "?offset=" + offset;
        this.keeper = keeper;
    }

    /**
     * The Linux root of {@code image} to read only: a raw image is read where it is, another format through a FUSE view
     * of it ({@link FuseView}), and only where that is not available through a raw copy in {@code work}, as
     * {@link #open}. Close it when done.
     */
    static Optional<LinuxDisk> view(Path image, Path work) throws IOException {
        Result r = exec(List.of("qemu-img", "info", "--output=json", image.toString()), 60);
        if (r.code != 0) throw new IOException("qemu-img info failed: " + firstLine(r.err.isBlank() ? r.out : r.err));
        JsonNode info = JSON.readTree(r.out);
        String format = info.path("format").asText("");
        if (format.equals("raw")) return root(image, null);
        Optional<FuseView> view = FuseView.open(image, format, info.path("virtual-size").asLong(-1), work);
        if (view.isEmpty()) return open(image, work);
        try {
            Optional<LinuxDisk> disk = root(view.get().file(), view.get());
            if (disk.isEmpty()) view.get().close();
            return disk;
        } catch (IOException | RuntimeException e) {
            view.get().close();
            throw e;
        }
    }

    private static Optional<LinuxDisk> root(Path raw, AutoCloseable keeper) throws IOException {
        for (long offset : candidateOffsets(raw)) {
            LinuxDisk disk = new LinuxDisk(raw, offset, keeper);
            if (disk.isExtRootAt()) return Optional.of(disk);
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        if (keeper == null) return;
        try {
            keeper.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot release " + raw + ": " + e.getMessage(), e);
        }
    }

    /** Copies {@code image} (any format qemu-img reads) to a sparse raw file in {@code work} and finds its Linux root. */
    static Optional<LinuxDisk> open(Path image, Path work) throws IOException {
        Path raw = work.resolve("disk.raw");
        run(List.of("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString()), 600);
        return root(raw, null);
    }

    /** The partitions' starts (sfdisk's JSON), then the whole disk (a filesystem without a partition table). */
    private static List<Long> candidateOffsets(Path raw) throws IOException {
        List<Long> out = new ArrayList<>();
        Result r = exec(List.of("sfdisk", "--json", raw.toString()), 60);
        if (r.code == 0 && !r.out.isBlank()) {
            JsonNode table = JSON.readTree(r.out).path("partitiontable");
            long sector = table.path("sectorsize").asLong(512);
            for (JsonNode p : table.path("partitions")) out.add(p.path("start").asLong() * sector);
        }
        out.add(0L);
        return out;
    }

    private boolean isExtRootAt() throws IOException {
        Result r = exec(List.of("debugfs", "-R", "ls -p /etc", device), 60);
        return r.code == 0 && r.err.lines().noneMatch(l -> l.contains("Bad magic") || l.contains("not found") || l.contains("Couldn't find"))
                && r.out.lines().anyMatch(l -> l.startsWith("/"));
    }

    Path raw() {
        return raw;
    }

    /** The file's bytes as text, or empty when it does not exist. */
    Optional<String> read(String path) throws IOException {
        Optional<Entry> e = stat(path);
        if (e.isEmpty() || !e.get().regular()) return Optional.empty();
        Result r = exec(List.of("debugfs", "-R", "cat \"" + path + "\"", device), 60);
        return r.code == 0 ? Optional.of(r.out) : Optional.empty();
    }

    /** The entry {@code path} names, without following a symbolic link at its end. */
    Optional<Entry> stat(String path) throws IOException {
        int slash = path.lastIndexOf('/');
        String parent = slash <= 0 ? "/" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        return list(parent).stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** The directory's entries without . and ..; empty when it does not exist. */
    List<Entry> list(String dir) throws IOException {
        Result r = exec(List.of("debugfs", "-R", "ls -p \"" + dir + "\"", device), 60);
        List<Entry> out = new ArrayList<>();
        if (r.code != 0) return out;
        for (String line : r.out.lines().toList()) {
            // /inode/mode/uid/gid/name/size/ ; a name cannot hold a slash
            String[] f = line.split("/", -1);
            if (f.length < 7 || f[5].equals(".") || f[5].equals("..") || f[5].isEmpty()) continue;
            try {
                out.add(new Entry(f[5], Integer.parseInt(f[2], 8), f[6].isEmpty() ? 0 : Long.parseLong(f[6])));
            } catch (NumberFormatException skipped) {
                // not an entry line
            }
        }
        return out;
    }

    /** Runs debugfs write commands, one per line, against the raw copy. */
    void edit(List<String> commands, Path work) throws IOException {
        if (commands.isEmpty()) return;
        Path script = work.resolve("debugfs.cmd");
        Files.write(script, commands, StandardCharsets.UTF_8);
        Result r = exec(List.of("debugfs", "-w", "-f", script.toString(), device), 300);
        if (r.code != 0) throw new IOException("debugfs could not edit the image: " + r.err.strip());
    }

    private record Result(int code, String out, String err) {}

    private static void run(List<String> command, int timeoutSeconds) throws IOException {
        Result r = exec(command, timeoutSeconds);
        if (r.code != 0) throw new IOException(command.getFirst() + " failed: " + firstLine(r.err.isBlank() ? r.out : r.err));
    }

    static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("");
    }

    private static Result exec(List<String> command, int timeoutSeconds) throws IOException {
        Path errFile = Files.createTempFile("vmrole-debugfs", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(errFile.toFile()).start();
            p.getOutputStream().close();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.getFirst() + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(bytes, StandardCharsets.UTF_8), Files.readString(errFile));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.getFirst(), e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
                throw new IOException(command.getFirst() + " is not installed (apt-get install e2fsprogs fdisk qemu-utils)", e);
            }
            throw e;
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
