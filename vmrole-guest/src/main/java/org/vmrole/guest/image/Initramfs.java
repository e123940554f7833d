package org.vmrole.guest.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The sample image's initramfs: static busybox, the modules listed in its /etc/modules (uncompressed), and the /init that mounts the root. */
public final class Initramfs {

    private Initramfs() {
    }

    /** Module names listed in an /etc/modules text, in load order. */
    static List<String> moduleList(String text) {
        List<String> names = new ArrayList<>();
        for (String line : text.split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * Builds the archive. Modules built into the kernel are dropped from /etc/modules, so /init only
     * loads what exists.
     */
    public static CpioArchive build(GuestFiles files, Path busybox, KernelTree kernel, HostTools tools) {
        CpioArchive cpio = new CpioArchive();
        cpio.charDevice("dev/console", 0600, 5, 1);
        cpio.charDevice("dev/null", 0666, 1, 3);
        try {
            cpio.file("bin/busybox", 0755, Files.readAllBytes(busybox));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> loadable = new ArrayList<>();
        for (GuestFiles.Entry e : files.tree("initramfs")) {
            if (e.path().equals("/etc/modules")) {
                for (String name : moduleList(new String(e.content(), StandardCharsets.UTF_8))) {
                    if (kernel.isBuiltin(name)) {
                        continue;
                    }
                    cpio.file("lib/modules/" + name + ".ko", 0644, kernel.moduleBytes(name, tools));
                    loadable.add(name);
                }
                cpio.file("etc/modules", 0644, (String.join("\n", loadable) + "\n").getBytes(StandardCharsets.UTF_8));
                continue;
            }
            switch (e.kind()) {
                case FILE -> cpio.file(e.path(), e.mode(), e.content());
                case DIRECTORY -> cpio.directory(e.path(), e.mode());
                case SYMLINK -> cpio.symlink(e.path(), e.linkTarget());
            }
        }
        return cpio;
    }
}
