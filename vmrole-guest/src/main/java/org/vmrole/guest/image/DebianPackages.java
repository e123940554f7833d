package org.vmrole.guest.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Debian packages the sample image is made of: downloaded once with apt-get into a cache directory, reused after, unpacked with dpkg-deb. */
public final class DebianPackages {

    /** The meta-package whose single dependency names the concrete kernel package. */
    static final String KERNEL_META = "linux-image-amd64";
    private static final Pattern KERNEL_DEPENDENCY = Pattern.compile("Depends:\\s*(linux-image-[0-9][^\\s]*-amd64)\\b");

    private final Path cache;
    private final HostTools tools;

    public DebianPackages(Path cache, HostTools tools) {
        this.cache = cache;
        this.tools = tools;
    }

    /** The concrete kernel package (such as linux-image-6.1.0-56-amd64); offline, the newest one already cached. */
    public String kernelPackage() {
        try {
            String depends = tools.runText(cache(), List.of("apt-cache", "depends", KERNEL_META));
            Optional<String> name = kernelFromDepends(depends);
            if (name.isPresent()) {
                return name.get();
            }
        } catch (ImageBuildException e) {
            // No apt index here: fall back to a kernel downloaded earlier.
        }
        return cachedKernel().orElseThrow(() -> new ImageBuildException("cannot tell which kernel package "
                + KERNEL_META + " depends on and none is cached in " + cache
                + ": run 'apt-get update' (the sample image is built from Debian packages)"));
    }

    static Optional<String> kernelFromDepends(String aptCacheDepends) {
        Matcher m = KERNEL_DEPENDENCY.matcher(aptCacheDepends);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The .deb of {@code pkg} in the cache, downloading it first if it is not there. */
    public Path fetch(String pkg) {
        Path dir = cache();
        try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = lock.lock()) {
            Optional<Path> cached = cached(pkg);
            if (cached.isPresent()) {
                return cached.get();
            }
            tools.run(dir, null, List.of("apt-get", "download", "-q", pkg));
            return cached(pkg).orElseThrow(() -> new ImageBuildException("apt-get download " + pkg
                    + " reported success but left no " + pkg + "_*.deb in " + dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unpacks a .deb into {@code into} (created if needed). */
    public void extract(Path deb, Path into) {
        try {
            Files.createDirectories(into);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tools.run(into, null, List.of("dpkg-deb", "-x", deb.toString(), into.toString()));
    }

    private Optional<Path> cached(String pkg) throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(p -> p.getFileName().toString().startsWith(pkg + "_"))
                    .filter(p -> p.getFileName().toString().endsWith(".deb"))
                    .max(Comparator.comparing(Path::getFileName));
        }
    }

    private Optional<String> cachedKernel() {
        try (Stream<Path> files = Files.list(cache())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("linux-image-[0-9].*-amd64_.*\\.deb"))
                    .max(Comparator.naturalOrder())
                    .map(n -> n.substring(0, n.indexOf('_')));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path cache() {
        try {
            return Files.createDirectories(cache);
        } catch (IOException e) {
            throw new ImageBuildException("cannot create the package cache " + cache + ": " + e.getMessage(), e);
        }
    }
}
