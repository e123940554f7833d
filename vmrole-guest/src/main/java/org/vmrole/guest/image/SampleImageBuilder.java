package org.vmrole.guest.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds the sample VM image from Debian packages without root: MBR (syslinux mbr.bin, sfdisk),
 * a FAT boot partition with syslinux, Debian's kernel and our initramfs, and an ext4 root holding
 * busybox, the vmrole agent, the sample app and Debian's mkfs.ext4 (for drives). The same inputs give the same bytes.
 */
public final class SampleImageBuilder {

    /** Every timestamp inside the image (SOURCE_DATE_EPOCH): 2024-01-01T00:00:00Z. */
    public static final long EPOCH = 1704067200L;
    /** Bump when the build recipe changes in a way the inputs hash cannot see. */
    static final String RECIPE = "sample-image/5";
    static final long ROOT_MIB = 256;
    static final String BUSYBOX_PACKAGE = "busybox-static";
    static final Path MBR_BIN = Path.of("/usr/lib/syslinux/mbr/mbr.bin");
    /** A file taken from a Debian package: the first regular file whose path starts with {@code debPath}, placed at {@code imagePath}. */
    record PackagedFile(String pkg, String debPath, String imagePath) {}

    /**
     * Debian's mkfs.ext4 and e2fsck and the libraries they load, each at its soname: the sample app formats a blank drive
     * ext4 (busybox's mke2fs makes ext2 only) and checks one that was not cleanly unmounted before it writes to it.
     */
    static final List<PackagedFile> EXT4_TOOLS = List.of(
            new PackagedFile("e2fsprogs", "sbin/mke2fs", "/sbin/mke2fs"),
            new PackagedFile("e2fsprogs", "sbin/e2fsck", "/sbin/e2fsck"),
            new PackagedFile("e2fsprogs", "etc/mke2fs.conf", "/etc/mke2fs.conf"),
            new PackagedFile("libext2fs2", "lib/x86_64-linux-gnu/libext2fs.so.2", "/lib/x86_64-linux-gnu/libext2fs.so.2"),
            new PackagedFile("libext2fs2", "lib/x86_64-linux-gnu/libe2p.so.2", "/lib/x86_64-linux-gnu/libe2p.so.2"),
            new PackagedFile("libcom-err2", "lib/x86_64-linux-gnu/libcom_err.so.2", "/lib/x86_64-linux-gnu/libcom_err.so.2"),
            new PackagedFile("libblkid1", "usr/lib/x86_64-linux-gnu/libblkid.so.1", "/usr/lib/x86_64-linux-gnu/libblkid.so.1"),
            new PackagedFile("libuuid1", "usr/lib/x86_64-linux-gnu/libuuid.so.1", "/usr/lib/x86_64-linux-gnu/libuuid.so.1"),
            new PackagedFile("libc6", "lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
            new PackagedFile("libc6", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"));
    static final Map<String, String> MKFS_EXT4_LINKS = Map.of("/sbin/mkfs.ext4", "/sbin/mke2fs");

    private static final byte[] VHD_UNIQUE_ID = "vmrole-sample-1!".getBytes(StandardCharsets.US_ASCII);

    private final DebianPackages packages;
    private final HostTools tools;

    public SampleImageBuilder(Path debCache) {
        this.tools = new HostTools(Map.of(
                "SOURCE_DATE_EPOCH", Long.toString(EPOCH),
                "E2FSPROGS_FAKE_TIME", Long.toString(EPOCH)));
        this.packages = new DebianPackages(debCache, tools);
    }

    /** The .deb files the image is made of (downloaded into the cache when missing): kernel, busybox, then those of mkfs.ext4 and e2fsck. */
    public List<Path> inputs() {
        List<Path> debs = new java.util.ArrayList<>(List.of(packages.fetch(packages.kernelPackage()), packages.fetch(BUSYBOX_PACKAGE)));
        for (String pkg : ext4ToolPackages()) debs.add(packages.fetch(pkg));
        return List.copyOf(debs);
    }

    private static List<String> ext4ToolPackages() {
        return EXT4_TOOLS.stream().map(PackagedFile::pkg).distinct().toList();
    }

    /** The files of {@link #EXT4_TOOLS} out of their packages ({@code debs} in {@link #ext4ToolPackages()} order), by image path. */
    private Map<String, byte[]> packagedFiles(List<Path> debs, Path work) throws IOException {
        List<String> pkgs = ext4ToolPackages();
        Map<String, byte[]> out = new java.util.TreeMap<>();
        for (int i = 0; i < pkgs.size(); i++) {
            String pkg = pkgs.get(i);
            Path dir = work.resolve("pkg-" + pkg);
            List<PackagedFile> wanted = EXT4_TOOLS.stream().filter(f -> f.pkg().equals(pkg)).toList();
            packages.extract(debs.get(i), dir, path -> wanted.stream().anyMatch(f -> path.startsWith(f.debPath())));
            for (PackagedFile f : wanted) {
                Path found;
                try (Stream<Path> walk = Files.walk(dir)) {
                    found = walk.filter(Files::isRegularFile).filter(p -> dir.relativize(p).toString().startsWith(f.debPath())).sorted().findFirst()
                            .orElseThrow(() -> new ImageBuildException(debs.get(pkgs.indexOf(pkg)).getFileName() + " holds no " + f.debPath() + "*"));
                }
                out.put(f.imagePath(), Files.readAllBytes(found));
            }
        }
        return out;
    }

    /** A hash of everything that decides the image's bytes: recipe, guest files, package files, syslinux MBR. */
    public String inputsHash(List<Path> debs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(RECIPE.getBytes(StandardCharsets.UTF_8));
            for (GuestFiles.Entry e : GuestFiles.load().all()) {
                sha.update((e.kind() + " " + e.tree() + e.path() + " " + e.mode() + " " + e.linkTarget() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                sha.update(e.content());
            }
            for (Path deb : debs) {
                sha.update((deb.getFileName() + " " + Files.size(deb) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            sha.update(readMbr());
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds the image into {@code out} in {@code format}, using {@code work} for scratch files (deleted after). */
    public void build(Path out, ImageFormat format, Path work) {
        build(inputs(), out, format, work);
    }

    /** Builds from the given {@link #inputs()}. */
    public void build(List<Path> debs, Path out, ImageFormat format, Path work) {
        try {
            Files.createDirectories(work);
            Path kernelDir = work.resolve("kernel");
            Path busyboxDir = work.resolve("busybox");
            GuestFiles files = GuestFiles.load();
            List<String> modules = Initramfs.moduleList(
                    new String(files.file("initramfs", "/etc/modules").content(), StandardCharsets.UTF_8));
            packages.extract(debs.get(0), kernelDir, KernelTree.needed(modules));
            packages.extract(debs.get(1), busyboxDir, path -> path.equals("bin/busybox"));
            KernelTree kernel = new KernelTree(kernelDir);
            Path busybox = busyboxDir.resolve("bin/busybox");
            if (!Files.isRegularFile(busybox)) {
                throw new ImageBuildException(debs.get(1).getFileName() + " holds no bin/busybox");
            }
            Files.setPosixFilePermissions(busybox, PosixFilePermissions.fromString("rwxr-xr-x"));

            byte[] initrd = Initramfs.build(files, busybox, kernel, tools).toGzip();
            byte[] vmlinuz = Files.readAllBytes(kernel.vmlinuz());
            Map<String, byte[]> boot = new LinkedHashMap<>();
            boot.put("syslinux.cfg", files.file("boot", "/syslinux.cfg").content());
            boot.put("vmlinuz", vmlinuz);
            boot.put("initrd.gz", initrd);
            DiskLayout layout = DiskLayout.forContent(vmlinuz.length + initrd.length, ROOT_MIB);

            Path bootImage = work.resolve("boot.img");
            BootPartition.build(bootImage, layout, boot, work.resolve("boot"), tools, EPOCH);

            List<String> applets = tools.runText(work, List.of(busybox.toString(), "--list-full")).lines().toList();
            Path rootImage = work.resolve("root.img");
            Map<String, byte[]> packaged = packagedFiles(debs.subList(2, debs.size()), work);
            RootFilesystem.build(RootFilesystem.plan(files, Files.readAllBytes(busybox), applets, packaged, MKFS_EXT4_LINKS),
                    work.resolve("rootfs"), rootImage, layout.rootSizeBytes(), tools, EPOCH);

            Path raw = work.resolve("disk.raw");
            assemble(raw, layout, bootImage, rootImage);
            write(raw, out, format, work);
        } catch (IOException e) {
            throw new ImageBuildException("building the sample image failed: " + e.getMessage(), e);
        } finally {
            deleteTree(work);
        }
    }

    private void assemble(Path raw, DiskLayout layout, Path bootImage, Path rootImage) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(layout.diskSizeBytes());
        }
        tools.run(raw.getParent(), layout.sfdiskScript().getBytes(StandardCharsets.US_ASCII),
                List.of("sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "--wipe", "never", raw.toString()));
        try (FileChannel disk = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            // syslinux's mbr.bin is boot code only: the first 440 bytes, before the disk id and partition table.
            disk.write(ByteBuffer.wrap(Arrays.copyOf(readMbr(), 440)), 0);
            copyInto(disk, bootImage, layout.bootOffsetBytes());
            copyInto(disk, rootImage, layout.rootOffsetBytes());
        }
    }

    private void write(Path raw, Path out, ImageFormat format, Path work) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".sample-image-", ".tmp");
        try {
            switch (format) {
                case RAW -> Files.move(raw, tmp, StandardCopyOption.REPLACE_EXISTING);
                case QCOW2 -> tools.run(work, null, List.of("qemu-img", "convert", "-f", "raw", "-O", "qcow2",
                        raw.toString(), tmp.toString()));
                case VPC -> {
                    tools.run(work, null, List.of("qemu-img", "convert", "-f", "raw", "-O", "vpc",
                            "-o", "subformat=dynamic,force_size=on", raw.toString(), tmp.toString()));
                    VhdFooter.makeReproducible(tmp, EPOCH, VHD_UNIQUE_ID);
                }
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Copies a partition image into the disk, skipping all-zero blocks so the disk stays sparse. */
    private static void copyInto(FileChannel disk, Path part, long offset) throws IOException {
        try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ)) {
            ByteBuffer block = ByteBuffer.allocate(1 << 20);
            long position = 0;
            while (true) {
                block.clear();
                int n = in.read(block, position);
                if (n <= 0) {
                    return;
                }
                block.flip();
                if (!allZero(block)) {
                    while (block.hasRemaining()) {
                        disk.write(block, offset + position + block.position());
                    }
                }
                position += n;
            }
        }
    }

    private static boolean allZero(ByteBuffer block) {
        for (int i = block.position(); i < block.limit(); i++) {
            if (block.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readMbr() {
        try {
            return Files.readAllBytes(MBR_BIN);
        } catch (IOException e) {
            throw new ImageBuildException(MBR_BIN + " is missing (syslinux's boot code): apt-get install syslinux-common");
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Scratch space only; a leftover is harmless and lives under a temp directory.
        }
    }
}
