package org.vmrole.host.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.vmrole.model.host.HostCapacity;

/**
 * How the QEMU driver runs VMs on this host.
 *
 * @param dataDir          where each VM's overlay, sockets, pid file and console log live
 * @param images           resolves an assignment's image digest to its base image
 * @param capacity         what this host offers; a VM size beyond it is refused
 * @param memoryMiB        guest memory; 0 takes it from the VM size (tests may ask for less)
 * @param accelerator      {@code kvm} or {@code tcg}
 * @param agentTimeout     silence of the guest agent after which the role is unresponsive
 * @param bootTimeout      how long a booting guest may take to say hello
 * @param stopTimeout      how long a graceful stop waits before it ends the process
 * @param consoleLogBytes  cap of one console log file; one older file is kept
 */
public record QemuSettings(Path dataDir, BaseImages images, HostCapacity capacity, int memoryMiB, String accelerator,
                           Duration agentTimeout, Duration bootTimeout, Duration stopTimeout, long consoleLogBytes,
                           String qemuBinary) {

    /** The defaults for a host: sizes' own memory, KVM only where a real KVM module is loaded. */
    public static QemuSettings defaults(Path dataDir, BaseImages images) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new QemuSettings(dataDir.toAbsolutePath(), images, new HostCapacity(cores, hostMemoryMiB(), 1 << 20), 0, detectAccelerator(),
                Duration.ofSeconds(5), Duration.ofSeconds(180), Duration.ofSeconds(30), 1 << 20, "qemu-system-x86_64");
    }

    /**
     * KVM is used only where {@code kvm_intel} or {@code kvm_amd} is loaded: other {@code /dev/kvm}
     * providers (such as a nested PVM) hang stock kernels.
     */
    public static String detectAccelerator() {
        boolean kvm = Files.exists(Path.of("/sys/module/kvm_intel")) || Files.exists(Path.of("/sys/module/kvm_amd"));
        return kvm && Files.exists(Path.of("/dev/kvm")) ? "kvm" : "tcg";
    }

    /** MemTotal of this machine; a generous guess where /proc/meminfo cannot be read. */
    static int hostMemoryMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return (int) (Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // fall through
        }
        return 1 << 20;
    }

    public QemuSettings withMemoryMiB(int mib) {
        return new QemuSettings(dataDir, images, capacity, mib, accelerator, agentTimeout, bootTimeout, stopTimeout, consoleLogBytes, qemuBinary);
    }

    public QemuSettings withCapacity(HostCapacity c) {
        return new QemuSettings(dataDir, images, c, memoryMiB, accelerator, agentTimeout, bootTimeout, stopTimeout, consoleLogBytes, qemuBinary);
    }

    public QemuSettings withAgentTimeout(Duration d) {
        return new QemuSettings(dataDir, images, capacity, memoryMiB, accelerator, d, bootTimeout, stopTimeout, consoleLogBytes, qemuBinary);
    }

    public QemuSettings withStopTimeout(Duration d) {
        return new QemuSettings(dataDir, images, capacity, memoryMiB, accelerator, agentTimeout, bootTimeout, d, consoleLogBytes, qemuBinary);
    }

    public QemuSettings withConsoleLogBytes(long bytes) {
        return new QemuSettings(dataDir, images, capacity, memoryMiB, accelerator, agentTimeout, bootTimeout, stopTimeout, bytes, qemuBinary);
    }
}
