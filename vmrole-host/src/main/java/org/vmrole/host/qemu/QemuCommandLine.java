package org.vmrole.host.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.LocalDisk;

/** Builds the QEMU command line of one VM. Pure: no files are touched. */
public final class QemuCommandLine {
    /** The virtio-serial port name the guest agent opens. */
    public static final String AGENT_PORT = "org.vmrole.agent";

    private QemuCommandLine() {
    }

    /**
     * @param ports the host port of each endpoint, in the assignment's order (0s already resolved)
     */
    public static List<String> build(QemuSettings s, Assignment a, VmFiles f, List<Integer> ports) {
        List<String> c = new ArrayList<>();
        int memory = s.memoryMiB() > 0 ? s.memoryMiB() : a.size().memoryMiB();
        c.add(s.qemuBinary());
        c.addAll(List.of("-name", "vmrole:" + a.key().replace(",", ",,")));
        c.addAll(List.of("-machine", "q35", "-accel", s.accelerator()));
        if (s.accelerator().equals("kvm")) c.addAll(List.of("-cpu", "host"));
        c.addAll(List.of("-m", Integer.toString(memory), "-smp", Integer.toString(a.size().cores())));
        c.addAll(List.of("-nodefaults", "-display", "none", "-no-user-config"));
        // spawn and elevateprivileges stay allowed: -daemonize forks and calls setsid after the filter is installed.
        c.addAll(List.of("-sandbox", "on,obsolete=deny,resourcecontrol=deny"));
        c.addAll(List.of("-pidfile", f.pidFile().toString(), "-daemonize"));
        c.addAll(List.of("-qmp", "unix:" + f.qmpSocket() + ",server=on,wait=off"));
        c.addAll(List.of("-chardev", "socket,id=console,path=" + f.consoleSocket() + ",server=on,wait=off", "-serial", "chardev:console"));
        c.addAll(List.of("-device", "pvpanic", "-action", "panic=shutdown"));
        c.addAll(List.of("-drive", "file=" + f.overlay() + ",format=qcow2,if=none,id=root,discard=unmap",
                "-device", "virtio-blk-pci,drive=root,bootindex=0"));
        List<LocalDisk> disks = a.localDisks();
        for (int i = 0; i < disks.size(); i++) {
            c.addAll(List.of("-drive", "file=" + f.localDisk(i) + ",format=qcow2,if=none,id=local" + i + ",discard=unmap",
                    "-device", "virtio-blk-pci,drive=local" + i + ",serial=" + serial(disks.get(i).name())));
        }
        c.addAll(DriveHotplug.commandLine());
        c.addAll(List.of("-drive", "file=" + f.configDrive() + ",format=raw,if=none,id=cidata,readonly=on",
                "-device", "virtio-blk-pci,drive=cidata,serial=cidata"));
        StringBuilder net = new StringBuilder("user,id=net0,restrict=on");
        List<EndpointBinding> endpoints = a.endpoints();
        for (int i = 0; i < endpoints.size(); i++) {
            net.append(",hostfwd=tcp:127.0.0.1:").append(ports.get(i)).append("-:").append(endpoints.get(i).guestPort());
        }
        c.addAll(List.of("-netdev", net.toString(), "-device", "virtio-net-pci,netdev=net0"));
        if (a.network() != null) {
            // the second NIC: frames go to the host agent's switch of this deployment, nowhere else
            c.addAll(List.of("-netdev", "stream,id=lan,server=on,addr.type=unix,addr.path=" + f.networkSocket(),
                    "-device", "virtio-net-pci,netdev=lan,mac=" + a.network().mac()));
        }
        c.addAll(List.of("-device", "virtio-serial-pci,id=vser0",
                "-chardev", "socket,id=agent,path=" + f.agentSocket() + ",server=on,wait=off",
                "-device", "virtserialport,bus=vser0.0,chardev=agent,name=" + AGENT_PORT));
        return c;
    }

    /** A disk serial the guest sees under /dev/disk/by-id: QEMU takes at most 20 plain characters. */
    static String serial(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_-]", "-");
        return s.length() > 20 ? s.substring(0, 20) : s;
    }

    /** A QEMU option value may not hold a comma unless doubled; our paths must not hold one at all. */
    static void checkPath(Path p) {
        if (p.toString().contains(",")) {
            throw new IllegalArgumentException("path " + p + " holds a comma, which QEMU options cannot carry; choose a data directory without one");
        }
    }
}
