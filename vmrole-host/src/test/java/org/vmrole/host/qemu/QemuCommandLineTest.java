package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.host.Assignments;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.LocalDisk;

class QemuCommandLineTest {
    private final QemuSettings settings = QemuSettings.defaults(Path.of("/var/lib/vmrole"), BaseImages.of(Map.of()));
    private final Assignment web0 = Assignments.withEndpoint("Web", 0, 3, 18080, List.of(new LocalDisk("scratch", 64, false)));
    private final VmFiles files = VmFiles.of(Path.of("/var/lib/vmrole"), web0.key());

    private String line(QemuSettings s) {
        return String.join(" ", QemuCommandLine.build(s, web0, files, List.of(18080)));
    }

    @Test
    void isolates_the_guest_sandbox_and_restricted_user_networking() {
        String line = line(settings);
        assertThat(line).contains("-sandbox on,").contains("-netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:18080-:80");
    }

    @Test
    void takes_memory_and_cores_from_the_vm_size_unless_overridden() {
        assertThat(line(settings)).contains("-m 768 -smp 1");
        assertThat(line(settings.withMemoryMiB(256))).contains("-m 256 -smp 1");
    }

    @Test
    void boots_the_overlay_first_then_scratch_disks_then_the_read_only_config_drive() {
        String line = line(settings);
        int root = line.indexOf("overlay.qcow2"), local = line.indexOf("local0.qcow2"), cidata = line.indexOf("cidata.img");
        assertThat(root).isLessThan(local);
        assertThat(local).isLessThan(cidata);
        assertThat(line).contains("cidata.img,format=raw,if=none,id=cidata,readonly=on").contains("serial=scratch");
    }

    @Test
    void wires_the_agent_channel_qmp_console_pvpanic_and_pid_file() {
        String line = line(settings);
        assertThat(line).contains("virtserialport,bus=vser0.0,chardev=agent,name=org.vmrole.agent")
                .contains("-qmp unix:" + files.qmpSocket() + ",server=on,wait=off")
                .contains("-serial chardev:console").contains("-device pvpanic")
                .contains("-pidfile " + files.pidFile()).contains("-daemonize").contains("-machine q35");
    }

    @Test
    void uses_tcg_unless_a_real_kvm_module_is_loaded() {
        assertThat(QemuSettings.detectAccelerator()).isIn("tcg", "kvm");
        assertThat(line(settings)).contains("-accel " + QemuSettings.detectAccelerator());
    }

    @Test
    void gives_each_instance_its_own_directory() {
        assertThat(files.dir()).isEqualTo(Path.of("/var/lib/vmrole/vms/d-test+Web_IN_0"));
    }

    @Test
    void the_environment_message_follows_the_agent_protocol() {
        Map<String, Object> env = AgentEnvironment.of(web0);
        assertThat(env).containsEntry("type", "environment").containsEntry("instanceId", "Web_IN_0").containsEntry("incarnation", 3L)
                .containsEntry("endpoints", Map.of("HttpIn", Map.of("protocol", "http", "port", 80)));
    }

    @Test
    void every_vm_has_empty_ports_to_hot_plug_drives_into() {
        assertThat(line(settings)).contains("-device pcie-root-port,id=hotplug0,chassis=1").contains("-device pcie-root-port,id=hotplug3,chassis=4");
    }

    @Test
    void the_environment_tells_the_guest_where_its_drives_are() {
        Assignment a = web0;
        Assignment withDrive = new Assignment(a.deploymentId(), a.instance(), a.incarnation(), a.rebootGeneration(), a.size(), a.imageDigest(),
                a.updateDomain(), a.faultDomain(), a.settings(), a.endpoints(), a.localDisks(), null, "", null,
                List.of(new org.vmrole.model.host.DriveAttachment("data", "http://127.0.0.1:10000/acct/drives/data.vhd", "snapshot", "acct", "AAAA", 1 << 20)));

        assertThat(AgentEnvironment.of(withDrive)).containsEntry("drives",
                Map.of("data", Map.of("device", "/dev/disk/by-id/virtio-data", "mode", "snapshot")));
        assertThat(AgentEnvironment.of(web0)).doesNotContainKey("drives");
    }
}
