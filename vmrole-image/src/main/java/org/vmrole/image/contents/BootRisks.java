package org.vmrole.image.contents;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What in a Linux root may keep it from booting or from being reached on another machine's disk and network. */
final class BootRisks {
    private static final List<String> DEVICE_NAMES = List.of("/dev/sd", "/dev/vd", "/dev/hd", "/dev/xvd", "/dev/nvme");

    private BootRisks() {
    }

    static List<String> of(LinuxDisk disk, List<String> kernels) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : disk.read("/etc/fstab").orElse("").lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 2 || f[0].startsWith("#")) continue;
            if (DEVICE_NAMES.stream().anyMatch(f[0]::startsWith)) {
                out.add("/etc/fstab mounts " + f[1] + " by device name (" + f[0] + "); a new disk layout renames it: use UUID= or LABEL=");
            }
        }
        for (String line : disk.read("/etc/network/interfaces").orElse("").lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 4 && f[0].equals("iface") && f[3].equals("static")) {
                out.add("/etc/network/interfaces gives " + f[1] + " a static address; instances get theirs by DHCP: use 'inet dhcp'");
            }
        }
        for (LinuxDisk.Entry e : disk.list("/etc/systemd/network")) {
            if (!e.name().endsWith(".network")) continue;
            Optional<String> unit = disk.read("/etc/systemd/network/" + e.name());
            if (unit.isPresent() && unit.get().lines().map(String::strip).anyMatch(l -> l.startsWith("Address="))) {
                out.add("/etc/systemd/network/" + e.name() + " sets a static Address=; instances get theirs by DHCP: use DHCP=yes");
            }
        }
        String initramfs = disk.read("/etc/initramfs-tools/initramfs.conf").orElse("");
        if (initramfs.lines().map(String::strip).anyMatch(l -> l.equals("MODULES=dep"))) {
            out.add("initramfs-tools builds with MODULES=dep: the initramfs may lack virtio_blk and virtio_net on another machine; use MODULES=most");
        }
        String dracut = disk.read("/etc/dracut.conf").orElse("");
        if (dracut.lines().map(String::strip).anyMatch(l -> l.replace(" ", "").equals("hostonly=\"yes\"") || l.replace(" ", "").equals("hostonly=yes"))) {
            out.add("dracut builds host-only initramfs images: they may lack the virtio drivers; set hostonly=\"no\"");
        }
        for (String k : kernels) {
            boolean module = !disk.list("/lib/modules/" + k + "/kernel/drivers/block").stream()
                    .filter(e -> e.name().startsWith("virtio_blk")).toList().isEmpty();
            boolean builtIn = disk.read("/lib/modules/" + k + "/modules.builtin").orElse("").contains("virtio_blk");
            boolean hasModules = !disk.list("/lib/modules/" + k).isEmpty();
            if (hasModules && !module && !builtIn) out.add("kernel " + k + " has no virtio_blk driver: it cannot find a virtio disk");
        }
        return out;
    }
}
