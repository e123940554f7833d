package org.vmrole.guest.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** An unpacked Debian kernel package: its vmlinuz and its loadable modules, found by name. */
public final class KernelTree {

    private final Path root;
    private final String version;
    private final Map<String, Path> modules = new TreeMap<>();
    private final Set<String> builtin = new HashSet<>();

    public KernelTree(Path root) {
        this.root = root;
        Path modulesRoot = root.resolve("lib/modules");
        try (Stream<Path> versions = Files.list(modulesRoot)) {
            List<Path> dirs = versions.filter(Files::isDirectory).sorted().toList();
            if (dirs.size() != 1) {
                throw new ImageBuildException("expected one kernel in " + modulesRoot + ", found " + dirs);
            }
            this.version = dirs.get(0).getFileName().toString();
            Path dir = dirs.get(0);
            try (Stream<Path> files = Files.walk(dir.resolve("kernel"))) {
                files.filter(Files::isRegularFile).forEach(p -> moduleName(p.getFileName().toString())
                        .ifPresent(name -> modules.put(name, p)));
            }
            Path builtinList = dir.resolve("modules.builtin");
            if (Files.exists(builtinList)) {
                for (String line : Files.readAllLines(builtinList)) {
                    moduleName(line.substring(line.lastIndexOf('/') + 1)).ifPresent(builtin::add);
                }
            }
        } catch (IOException e) {
            throw new ImageBuildException("cannot read the kernel package at " + root + ": " + e.getMessage(), e);
        }
    }

    public String version() {
        return version;
    }

    public Path vmlinuz() {
        Path p = root.resolve("boot/vmlinuz-" + version);
        if (!Files.isRegularFile(p)) {
            throw new ImageBuildException("the kernel package has no " + root.relativize(p));
        }
        return p;
    }

    /** Whether {@code name} is compiled into the kernel (nothing to load). */
    public boolean isBuiltin(String name) {
        return builtin.contains(canonical(name));
    }

    /** The module file for {@code name} (.ko, .ko.xz or .ko.zst); "-" and "_" are the same, as for modprobe. */
    public Optional<Path> module(String name) {
        return Optional.ofNullable(modules.get(canonical(name)));
    }

    /** The uncompressed module, ready for busybox insmod. */
    public byte[] moduleBytes(String name, HostTools tools) {
        Path p = module(name).orElseThrow(() -> new ImageBuildException("kernel " + version + " has no module " + name
                + " (neither built in nor under lib/modules/" + version + "/kernel)"));
        String file = p.getFileName().toString();
        if (file.endsWith(".ko.xz")) {
            return tools.run(p.getParent(), null, List.of("xz", "-dc", p.toString()));
        }
        if (file.endsWith(".ko.zst")) {
            return tools.run(p.getParent(), null, List.of("zstd", "-dcq", p.toString()));
        }
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<String> moduleName(String fileName) {
        for (String suffix : List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz")) {
            if (fileName.endsWith(suffix)) {
                return Optional.of(canonical(fileName.substring(0, fileName.length() - suffix.length())));
            }
        }
        return Optional.empty();
    }

    private static String canonical(String name) {
        return name.replace('-', '_');
    }
}
