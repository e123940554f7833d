package org.vmrole.guest.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The ext4 root partition: busybox with its applet links plus the rootfs tree of guest/, made
 * with {@code mkfs.ext4 -d} (no mounts), then every inode's owner, mode and times fixed with
 * debugfs so the same inputs give the same bytes.
 */
public final class RootFilesystem {

    static final String UUID = "6d9a3c1e-0b7f-4a55-9d2e-564d524f4f54";
    static final String HASH_SEED = "6d9a3c1e-0b7f-4a55-9d2e-564d524f4f55";
    static final String LABEL = "vmrole-root";

    private static final int DIR = 040000, FILE = 0100000, LINK = 0120000;

    private RootFilesystem() {
    }

    /** What the root tree holds, path to inode mode (type and permissions), and where symlinks point. */
    record Plan(TreeMap<String, Integer> modes, TreeMap<String, String> links, TreeMap<String, byte[]> files) {}

    /** Plans the tree: the busybox binary, a link per applet ({@code busybox --list-full}), and the guest files. */
    static Plan plan(GuestFiles files, byte[] busybox, List<String> appletPaths) {
        return plan(files, busybox, appletPaths, java.util.Map.of(), java.util.Map.of());
    }

    /**
     * The same with programs from Debian packages (path to content, mode 0755 under bin/sbin/lib, else 0644) and links to
     * them; they replace a busybox applet of the same path.
     */
    static Plan plan(GuestFiles files, byte[] busybox, List<String> appletPaths, java.util.Map<String, byte[]> packaged,
                     java.util.Map<String, String> packagedLinks) {
        TreeMap<String, Integer> modes = new TreeMap<>();
        TreeMap<String, String> links = new TreeMap<>();
        TreeMap<String, byte[]> contents = new TreeMap<>();
        modes.put("/", DIR | 0755);
        putFile(modes, contents, "/bin/busybox", 0755, busybox);
        for (String applet : appletPaths) {
            String path = "/" + applet.strip();
            if (path.equals("/") || path.equals("/bin/busybox")) {
                continue;
            }
            putLink(modes, links, path, "/bin/busybox");
        }
        for (var e : new TreeMap<>(packaged).entrySet()) {
            links.remove(e.getKey());
            putFile(modes, contents, e.getKey(), e.getKey().startsWith("/etc/") ? 0644 : 0755, e.getValue());
        }
        for (var e : new TreeMap<>(packagedLinks).entrySet()) putLink(modes, links, e.getKey(), e.getValue());
        for (GuestFiles.Entry e : files.tree("rootfs")) {
            switch (e.kind()) {
                case FILE -> putFile(modes, contents, e.path(), e.mode(), e.content());
                case DIRECTORY -> { parents(modes, e.path()); modes.put(e.path(), DIR | e.mode()); }
                case SYMLINK -> putLink(modes, links, e.path(), e.linkTarget());
            }
        }
        return new Plan(modes, links, contents);
    }

    /** Writes the tree under {@code stage} and makes {@code image} ({@code sizeBytes}) from it. */
    static void build(Plan plan, Path stage, Path image, long sizeBytes, HostTools tools, long epoch) {
        try {
            Files.createDirectories(stage);
            for (var e : plan.modes().entrySet()) {
                Path p = stage.resolve(e.getKey().substring(1));
                int type = e.getValue() & 0170000;
                if (type == DIR) {
                    Files.createDirectories(p);
                } else if (type == LINK) {
                    Files.createSymbolicLink(p, Path.of(plan.links().get(e.getKey())));
                } else {
                    Files.write(p, plan.files().get(e.getKey()));
                }
            }
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(0);
                f.setLength(sizeBytes);
            }
            tools.run(stage, null, List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-L", LABEL, "-U", UUID,
                    "-E", "root_owner=0:0,hash_seed=" + HASH_SEED + ",lazy_itable_init=0,nodiscard",
                    "-d", stage.toString(), image.toString()));
            Path script = stage.getParent().resolve("debugfs-fixups");
            Files.writeString(script, debugfsScript(plan, epoch), StandardCharsets.UTF_8);
            tools.run(stage, null, List.of("debugfs", "-w", "-f", script.toString(), image.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** mkfs.ext4 -d copies the build host's owners, modes (no sticky bit from Java) and change times; this sets them all. */
    static String debugfsScript(Plan plan, long epoch) {
        StringBuilder sb = new StringBuilder();
        for (var e : plan.modes().entrySet()) {
            String p = e.getKey();
            sb.append("sif ").append(p).append(" mode 0").append(Integer.toOctalString(e.getValue())).append('\n');
            for (String field : List.of("uid", "gid")) {
                sb.append("sif ").append(p).append(' ').append(field).append(" 0\n");
            }
            for (String field : List.of("atime", "ctime", "mtime", "crtime")) {
                sb.append("sif ").append(p).append(' ').append(field).append(" @").append(epoch).append('\n');
            }
        }
        return sb.toString();
    }

    private static void putFile(TreeMap<String, Integer> modes, TreeMap<String, byte[]> contents, String path, int mode, byte[] content) {
        parents(modes, path);
        modes.put(path, FILE | mode);
        contents.put(path, content);
    }

    private static void putLink(TreeMap<String, Integer> modes, TreeMap<String, String> links, String path, String target) {
        parents(modes, path);
        modes.put(path, LINK | 0777);
        links.put(path, target);
    }

    private static void parents(TreeMap<String, Integer> modes, String path) {
        if (path.contains(" ") || !path.startsWith("/")) {
            throw new IllegalArgumentException("root file system path '" + path + "' must be absolute, without spaces");
        }
        List<String> dirs = new ArrayList<>();
        for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
            dirs.add(path.substring(0, i));
        }
        dirs.forEach(d -> modes.putIfAbsent(d, DIR | 0755));
    }
}
