package org.vmrole.host.qemu;

import java.nio.file.Path;

/** The files of one VM in its own directory: everything needed to run it and to re-adopt it later. */
public record VmFiles(Path dir) {
    /** The directory of the instance {@code key} under the data directory; the key's slash becomes a '+'. */
    public static VmFiles of(Path dataDir, String key) {
        return new VmFiles(dataDir.resolve("vms").resolve(key.replaceAll("[^A-Za-z0-9_.-]", "+")));
    }

    public Path overlay() { return dir.resolve("overlay.qcow2"); }

    public Path localDisk(int index) { return dir.resolve("local" + index + ".qcow2"); }

    public Path configDrive() { return dir.resolve("cidata.img"); }

    public Path qmpSocket() { return dir.resolve("qmp.sock"); }

    public Path agentSocket() { return dir.resolve("agent.sock"); }

    /** QEMU listens here for the private-network switch ({@code -netdev stream}). */
    public Path networkSocket() { return dir.resolve("lan.sock"); }

    public Path consoleSocket() { return dir.resolve("console.sock"); }

    public Path consoleLog() { return dir.resolve("console.log"); }

    public Path pidFile() { return dir.resolve("qemu.pid"); }

    public Path instanceFile() { return dir.resolve("instance.json"); }

    /** The drives the guest asked for with mount-drive ({@link GuestMounts}). */
    public Path guestMounts() { return dir.resolve("guest-drives.json"); }

    public Path qemuErrors() { return dir.resolve("qemu.err"); }
}
