package org.vmrole.image.contents;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads what a disk image holds (OS, kernels, agent, risks) from its Linux root, without booting it. */
public final class ImageInspector {
    static final String AGENT_VERSION = "/usr/lib/vmrole/VERSION";
    static final String AGENT = "/usr/lib/vmrole/agent";

    private ImageInspector() {
    }

    /**
     * Inspects the image without changing it (read where it is, through a FUSE view, or from a raw copy made in
     * {@code work}: {@link LinuxDisk#view}); never throws for what the disk holds, only says it.
     */
    public static ImageContents inspect(Path image, Path work) throws IOException {
        Optional<LinuxDisk> disk = LinuxDisk.view(image, work);
        if (disk.isEmpty()) return ImageContents.unreadable(noLinuxRoot(image));
        try (LinuxDisk d = disk.get()) {
            return inspect(d);
        }
    }

    static String noLinuxRoot(Path image) {
        return "no Linux root filesystem (ext2/3/4 holding /etc) found in " + image.getFileName()
                + "; vmrole reads ext2/3/4 roots only (an xfs, btrfs or Windows disk is not inspected)";
    }

    static ImageContents inspect(LinuxDisk disk) throws IOException {
        String os = disk.read("/etc/os-release").or(() -> read(disk, "/usr/lib/os-release"))
                .flatMap(OsRelease::prettyName).orElse("Linux (no /etc/os-release)");
        List<String> kernels = new ArrayList<>();
        for (LinuxDisk.Entry e : disk.list("/boot")) if (e.name().startsWith("vmlinuz-")) kernels.add(e.name().substring("vmlinuz-".length()));
        if (kernels.isEmpty()) {
            for (LinuxDisk.Entry e : disk.list("/lib/modules")) if (e.directory()) kernels.add(e.name());
        }
        String agent = disk.read(AGENT_VERSION).map(v -> "vmrole-agent/" + v.strip())
                .orElse(disk.stat(AGENT).isPresent() ? "vmrole-agent (unversioned)" : "");
        return new ImageContents(os, kernels, agent, BootRisks.of(disk, kernels));
    }

    private static Optional<String> read(LinuxDisk disk, String path) {
        try {
            return disk.read(path);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
