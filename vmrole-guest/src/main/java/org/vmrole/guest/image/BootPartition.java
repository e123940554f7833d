package org.vmrole.guest.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The FAT boot partition: syslinux, its config, the kernel and the initramfs, made with mtools (no mounts). */
public final class BootPartition {

    static final String SERIAL = "564d5231";
    static final String LABEL = "VMROLEBOOT";

    private BootPartition() {
    }

    /**
     * Writes the partition image. {@code files} maps a name on the partition to its content; the
     * hidden-sector count is the partition's start on the disk, as a BIOS boot sector expects.
     */
    static void build(Path image, DiskLayout layout, Map<String, byte[]> files, Path stage, HostTools tools, long epoch) {
        try {
            Files.createDirectories(stage);
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(0);
                f.setLength(layout.bootSizeBytes());
            }
            tools.run(stage, null, List.of("mformat", "-i", image.toString(), "-N", SERIAL, "-v", LABEL,
                    "-H", Long.toString(layout.bootStartSector()), "-T", Long.toString(layout.bootSectors()),
                    "-h", "64", "-s", "32", "::"));
            tools.run(stage, null, List.of("syslinux", "--install", image.toString()));
            List<String> command = new ArrayList<>(List.of("mcopy", "-m", "-i", image.toString()));
            for (var e : files.entrySet()) {
                Path p = stage.resolve(e.getKey());
                Files.write(p, e.getValue());
                Files.setLastModifiedTime(p, FileTime.fromMillis(epoch * 1000));
                command.add(p.toString());
            }
            command.add("::");
            tools.run(stage, null, command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
