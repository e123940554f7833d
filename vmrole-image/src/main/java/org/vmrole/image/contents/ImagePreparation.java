package org.vmrole.image.contents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code vmrole image prepare IN OUT}: what sysprep did for the VM Role, for a Linux image. Works on a raw copy with
 * {@code debugfs} (no root, no mount): empties /etc/machine-id (systemd makes a new one at first boot), removes the SSH
 * host keys, DHCP leases, cloud-init's instance state, the random seed, logs and shell histories, then writes OUT as
 * qcow2. IN is only read; OUT is written only when everything worked.
 */
public final class ImagePreparation {

    /** What prepare found and did. */
    public record Report(ImageContents contents, List<String> removed) {}

    /** Thrown when IN is no Linux image vmrole can prepare; nothing was written. */
    public static final class NotPreparable extends IOException {
        public NotPreparable(String message) {
            super(message);
        }
    }

    private static final List<String> REMOVE_FILES = List.of("/var/lib/systemd/random-seed", "/root/.bash_history", "/root/.ash_history",
            "/root/.sh_history", "/root/.python_history", "/root/.lesshst", "/root/.viminfo");
    private static final List<String> EMPTY_DIRECTORIES = List.of("/var/lib/cloud/instances", "/var/lib/cloud/data", "/var/lib/cloud/sem",
            "/var/log", "/tmp", "/var/tmp");
    private static final List<String> LEASE_DIRECTORIES = List.of("/var/lib/dhcp", "/var/lib/dhclient", "/var/lib/NetworkManager");

    private ImagePreparation() {
    }

    public static Report prepare(Path in, Path out) throws IOException {
        if (!Files.isRegularFile(in)) throw new NotPreparable(in + " is not a file");
        if (Files.exists(out)) throw new NotPreparable(out + " exists; give a new file name (the output is never overwritten)");
        Path work = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".vmrole-prepare-");
        try {
            Optional<LinuxDisk> opened;
            try {
                opened = LinuxDisk.open(in, work);
            } catch (IOException e) {
                throw new NotPreparable(in + " cannot be read as a disk image: " + e.getMessage());
            }
            if (opened.isEmpty()) throw new NotPreparable(ImageInspector.noLinuxRoot(in));
            LinuxDisk disk = opened.get();
            ImageContents contents = ImageInspector.inspect(disk);
            List<String> removed = new ArrayList<>();
            List<String> commands = new ArrayList<>();
            resetMachineId(disk, work, commands, removed);
            for (LinuxDisk.Entry e : disk.list("/etc/ssh")) {
                if (e.regular() && e.name().startsWith("ssh_host_")) remove(commands, removed, "/etc/ssh/" + e.name());
            }
            for (String f : REMOVE_FILES) {
                if (disk.stat(f).isPresent()) remove(commands, removed, f);
            }
            if (disk.stat("/var/lib/cloud/instance").map(LinuxDisk.Entry::symlink).orElse(false)) remove(commands, removed, "/var/lib/cloud/instance");
            for (String dir : EMPTY_DIRECTORIES) emptyDirectory(disk, dir, commands, removed);
            for (String dir : LEASE_DIRECTORIES) {
                for (LinuxDisk.Entry e : disk.list(dir)) {
                    if (e.regular() && (e.name().endsWith(".lease") || e.name().endsWith(".leases"))) remove(commands, removed, dir + "/" + e.name());
                }
            }
            for (LinuxDisk.Entry home : disk.list("/home")) {
                for (String h : List.of(".bash_history", ".ash_history", ".sh_history", ".python_history", ".lesshst", ".viminfo")) {
                    String f = "/home/" + home.name() + "/" + h;
                    if (home.directory() && disk.stat(f).isPresent()) remove(commands, removed, f);
                }
            }
            disk.edit(commands, work);
            Path partial = work.resolve("out.qcow2");
            run(List.of("qemu-img", "convert", "-O", "qcow2", disk.raw().toString(), partial.toString()));
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
            return new Report(contents, removed);
        } finally {
            delete(work);
        }
    }

    /** An empty /etc/machine-id (mode 0444): systemd writes a new id at first boot, so no two instances share one. */
    private static void resetMachineId(LinuxDisk disk, Path work, List<String> commands, List<String> removed) throws IOException {
        Optional<LinuxDisk.Entry> id = disk.stat("/etc/machine-id");
        if (id.isEmpty() || !id.get().regular()) return;
        if (id.get().size() > 0) {
            Path empty = work.resolve("machine-id");
            Files.createFile(empty, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")));
            commands.add("rm /etc/machine-id");
            commands.add("write " + empty + " /etc/machine-id");
            commands.add("sif /etc/machine-id uid 0");
            commands.add("sif /etc/machine-id gid 0");
            removed.add("/etc/machine-id (emptied)");
        }
        Optional<LinuxDisk.Entry> dbus = disk.stat("/var/lib/dbus/machine-id");
        if (dbus.isPresent() && dbus.get().regular()) remove(commands, removed, "/var/lib/dbus/machine-id");
    }

    /** Removes everything below {@code dir} but keeps the directories themselves (daemons expect /var/log/apt and the like). */
    private static void emptyDirectory(LinuxDisk disk, String dir, List<String> commands, List<String> removed) throws IOException {
        for (LinuxDisk.Entry e : disk.list(dir)) {
            String path = dir + "/" + e.name();
            if (e.directory()) {
                emptyDirectory(disk, path, commands, removed);
                if (dir.startsWith("/var/lib/cloud")) {
                    commands.add("rmdir \"" + path + "\"");
                }
            } else {
                remove(commands, removed, path);
            }
        }
    }

    private static void remove(List<String> commands, List<String> removed, String path) {
        commands.add("rm \"" + path + "\"");
        removed.add(path);
    }

    private static void run(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(command.getFirst() + " failed: " + LinuxDisk.firstLine(output));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temporary directory is not worth failing for
        }
    }
}
