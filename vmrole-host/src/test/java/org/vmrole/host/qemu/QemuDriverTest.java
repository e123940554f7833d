package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.host.Assignments;
import org.vmrole.host.HostAgent;
import org.vmrole.host.VmStartException;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.LocalDisk;

/**
 * Real QEMU processes on a blank disk (firmware only, no guest): fast checks of the driver's process
 * handling, bad input and re-adoption. The guest's side is covered by {@link SampleImageVmTest}.
 */
@Tag("vm")
class QemuDriverTest {
    @TempDir
    Path dir;
    private Path base;
    private QemuSettings settings;
    private QemuDriver driver;

    @BeforeEach
    void blankImage() throws IOException {
        base = dir.resolve("blank.qcow2");
        HostCommand.require(List.of("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M"), Duration.ofSeconds(30));
        settings = QemuSettings.defaults(dir.resolve("host"), BaseImages.of(Map.of("sample", base, "missing", dir.resolve("nope.qcow2"))))
                .withMemoryMiB(128);
        driver = new QemuDriver(settings);
    }

    @AfterEach
    void stopAll() {
        for (var o : driver.observe()) driver.kill(o.key());
        driver.close();
        try (QemuDriver sweep = new QemuDriver(settings)) {
            for (Assignment a : sweep.recover()) sweep.kill(a.key());
        }
    }

    private Assignment web(int index) {
        return Assignments.of("Web", index, 1, 0);
    }

    private Assignment withImage(String digest) {
        Assignment a = web(0);
        return new Assignment(a.deploymentId(), a.instance(), 1, 0, VmSize.ExtraSmall, digest, 0, 0, Map.of(), List.of(), List.of());
    }

    /** Alive and not a zombie: a daemonized QEMU is reaped by init, a little later than it dies. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private List<Path> vmDirs() throws IOException {
        Path vms = settings.dataDir().resolve("vms");
        if (!Files.exists(vms)) return List.of();
        try (Stream<Path> s = Files.list(vms)) {
            return s.toList();
        }
    }

    @Test
    void starts_a_detached_qemu_with_its_overlay_on_the_base_image() throws Exception {
        Assignment a = web(0);
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        assertThat(ProcessHandle.of(pid).orElseThrow().parent().map(ProcessHandle::pid)).isNotEqualTo(java.util.Optional.of(ProcessHandle.current().pid()));
        assertThat(driver.observe(a.key()).orElseThrow().state()).isEqualTo(RoleState.StartingVM);
        HostCommand info = HostCommand.require(List.of("qemu-img", "info", "-U", "--output=json",
                driver.directory(a.key()).resolve("overlay.qcow2").toString()), Duration.ofSeconds(10));
        assertThat(info.output()).contains("\"backing-filename-format\": \"qcow2\"").contains(base.toString());
    }

    @Test
    void observes_kill_9_of_qemu_as_process_exited() {
        Assignment a = web(0);
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var o = driver.observe(a.key()).orElseThrow();
            assertThat(o.state()).isEqualTo(RoleState.StoppedVM);
            assertThat(o.cause()).isEqualTo(HealthCause.PROCESS_EXITED);
        });
    }

    @Test
    void a_hard_stop_ends_the_process_and_removes_its_files() throws Exception {
        Assignment a = web(0);
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        driver.kill(a.key());
        assertThat(running(pid)).isFalse();
        assertThat(driver.observe()).isEmpty();
        assertThat(vmDirs()).isEmpty();
    }

    @Test
    void refuses_a_missing_base_image_and_leaves_nothing_behind() throws Exception {
        assertThatThrownBy(() -> driver.start(withImage("missing")))
                .isInstanceOf(VmStartException.class).hasMessageContaining("nope.qcow2 does not exist");
        assertThatThrownBy(() -> driver.start(withImage("unknown")))
                .isInstanceOf(VmStartException.class).hasMessageContaining("image 'unknown' is not on this host");
        assertThat(vmDirs()).isEmpty();
        assertThat(driver.observe()).isEmpty();
    }

    @Test
    void refuses_a_corrupt_base_image_and_leaves_nothing_behind() throws Exception {
        Files.write(base, new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> driver.start(web(0)))
                .isInstanceOf(VmStartException.class).hasMessageContaining("is corrupt or unreadable").hasMessageContaining("upload the image again");
        assertThat(vmDirs()).isEmpty();
    }

    @Test
    void refuses_a_base_image_that_names_a_backing_file() throws Exception {
        Path sneaky = dir.resolve("blank.qcow2.new");
        HostCommand.require(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", sneaky.toString()), Duration.ofSeconds(10));
        Files.move(sneaky, base, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> driver.start(web(0))).isInstanceOf(VmStartException.class).hasMessageContaining("names a backing file (/etc/hostname)");
        assertThat(vmDirs()).isEmpty();
    }

    @Test
    void refuses_a_host_port_already_in_use_and_leaves_nothing_behind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Assignment a = Assignments.withEndpoint("Web", 0, 1, taken.getLocalPort(), List.of());
            assertThatThrownBy(() -> driver.start(a)).isInstanceOf(VmStartException.class)
                    .hasMessageContaining("endpoint 'HttpIn': host port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
        assertThat(vmDirs()).isEmpty();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))).isEmpty();
    }

    @Test
    void refuses_a_vm_size_the_host_cannot_hold_or_none_at_all() throws Exception {
        QemuDriver small = new QemuDriver(settings.withCapacity(new HostCapacity(2, 4096, 100)));
        try {
            Assignment large = new Assignment("d-test", new InstanceName("Web", 0), 1, 0, VmSize.Large, "sample", 0, 0, Map.of(), List.of(), List.of());
            assertThatThrownBy(() -> small.start(large)).isInstanceOf(VmStartException.class)
                    .hasMessageContaining("VM size Large needs 4 cores, 7168 MiB; this host has 2 cores");
            Assignment none = new Assignment("d-test", new InstanceName("Web", 0), 1, 0, null, "sample", 0, 0, Map.of(), List.of(), List.of());
            assertThatThrownBy(() -> small.start(none)).isInstanceOf(VmStartException.class).hasMessageContaining("VM size is missing");
            QemuDriver tiny = new QemuDriver(QemuSettings.defaults(settings.dataDir(), settings.images()).withCapacity(new HostCapacity(2, 512, 100)));
            try {
                assertThatThrownBy(() -> tiny.start(web(0))).isInstanceOf(VmStartException.class)
                        .hasMessageContaining("VM size ExtraSmall needs 768 MiB of memory; this host has 512 MiB");
            } finally {
                tiny.close();
            }
            assertThatThrownBy(() -> VmSize.parse("Huge")).hasMessageContaining("unknown VM size 'Huge'; use one of ExtraSmall");
        } finally {
            small.close();
        }
        assertThat(vmDirs()).isEmpty();
    }

    @Test
    void a_new_driver_readopts_a_vm_that_kept_running() {
        Assignment a = web(0);
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        driver.close();

        driver = new QemuDriver(settings);
        assertThat(driver.recover()).containsExactly(a);
        assertThat(driver.pid(a.key())).contains(pid);
        driver.kill(a.key());
        assertThat(running(pid)).isFalse();
    }

    @Test
    void a_restarted_host_agent_keeps_what_it_assigned_and_stops_what_it_does_not_know() {
        Assignment mine = web(0), stranger = web(1);
        HostAgent first = new HostAgent(driver, settings.dataDir());
        first.apply(List.of(mine));
        long minePid = driver.pid(mine.key()).orElseThrow();
        driver.start(stranger);
        long strangerPid = driver.pid(stranger.key()).orElseThrow();
        first.close();

        driver = new QemuDriver(settings);
        HostAgent second = new HostAgent(driver, settings.dataDir());
        assertThat(second.observe()).singleElement().satisfies(o -> assertThat(o.key()).isEqualTo(mine.key()));
        assertThat(driver.pid(mine.key())).contains(minePid);
        assertThat(running(strangerPid)).isFalse();
        assertThat(second.apply(List.of(mine))).isEmpty();
    }

    @Test
    void a_host_agent_killed_with_sigkill_leaves_its_vm_running_for_the_next_one() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process agentJvm = HostAgentProcess.launch(settings.dataDir(), base, port);
        try {
            HostAgentProcessOutput.awaitLine(agentJvm, "applied", Duration.ofSeconds(60));
        } finally {
            agentJvm.destroyForcibly().waitFor();
        }

        HostAgent next = new HostAgent(driver, settings.dataDir());
        assertThat(next.observe()).singleElement().satisfies(o -> assertThat(o.key()).isEqualTo("d-test/Web_IN_0"));
        assertThat(running(driver.pid("d-test/Web_IN_0").orElseThrow())).isTrue();
        assertThat(driver.hostPorts("d-test/Web_IN_0")).containsExactly(port);
    }

    @Test
    void new_settings_for_a_guest_without_an_agent_wait_in_its_record_for_the_next_hello_and_keep_the_process() throws Exception {
        Assignment a = web(0);
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        Assignment changed = new Assignment(a.deploymentId(), a.instance(), 1, 0, a.size(), a.imageDigest(), a.updateDomain(), a.faultDomain(),
                Map.of("Greeting", "hello"), a.endpoints(), a.localDisks());
        driver.changeSettings(changed);
        assertThat(driver.assignment(a.key()).orElseThrow().settings()).containsEntry("Greeting", "hello");
        assertThat(driver.pid(a.key())).contains(pid);
        assertThat(Files.readString(driver.directory(a.key()).resolve("instance.json"))).contains("\"Greeting\":\"hello\"");
    }

    @Test
    void a_reboot_resets_the_same_process_and_keeps_overlay_and_local_disk() throws Exception {
        Assignment a = Assignments.withEndpoint("Web", 0, 1, 0, List.of(new LocalDisk("scratch", 16, false)));
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        Path overlay = witness(driver.directory(a.key()).resolve("overlay.qcow2"));
        Path scratch = witness(driver.directory(a.key()).resolve("local0.qcow2"));

        driver.reboot(a.key(), 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var o = driver.observe(a.key()).orElseThrow();
            assertThat(o.cause()).isEqualTo(HealthCause.GUEST_RESET);
            assertThat(o.rebootGeneration()).isEqualTo(1);
        });
        assertThat(driver.pid(a.key())).contains(pid);
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("overlay.qcow2"), overlay)).isTrue();
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("local0.qcow2"), scratch)).isTrue();
    }

    @Test
    void a_reboot_wipes_local_storage_that_is_cleaned_on_every_recycle_but_keeps_the_overlay() throws Exception {
        Assignment a = Assignments.withEndpoint("Web", 0, 1, 0, List.of(new LocalDisk("scratch", 16, true)));
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        Path overlay = witness(driver.directory(a.key()).resolve("overlay.qcow2"));
        Path scratch = witness(driver.directory(a.key()).resolve("local0.qcow2"));

        driver.reboot(a.key(), 1);
        assertThat(driver.observe(a.key()).orElseThrow().cause()).isEqualTo(HealthCause.GUEST_RESET);
        assertThat(driver.pid(a.key()).orElseThrow()).isNotEqualTo(pid);
        assertThat(running(pid)).isFalse();
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("overlay.qcow2"), overlay)).isTrue();
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("local0.qcow2"), scratch)).isFalse();
    }

    @Test
    void a_reimage_replaces_the_overlay_and_the_local_disk() throws Exception {
        Assignment a = Assignments.withEndpoint("Web", 0, 1, 0, List.of(new LocalDisk("scratch", 16, false)));
        driver.start(a);
        Path overlay = witness(driver.directory(a.key()).resolve("overlay.qcow2"));
        Path scratch = witness(driver.directory(a.key()).resolve("local0.qcow2"));

        Assignment next = Assignments.withEndpoint("Web", 0, 2, 0, List.of(new LocalDisk("scratch", 16, false)));
        driver.reimage(next);
        assertThat(driver.observe(a.key()).orElseThrow().incarnation()).isEqualTo(2);
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("overlay.qcow2"), overlay)).isFalse();
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("local0.qcow2"), scratch)).isFalse();
    }

    /** A hard link to the file: while it exists the file's inode cannot be reused, so identity checks are sound. */
    private Path witness(Path file) throws IOException {
        return Files.createLink(dir.resolve("witness-" + System.nanoTime() + "-" + file.getFileName()), file);
    }

    @Test
    void a_reboot_of_a_vm_that_died_boots_it_again_on_its_overlay() throws Exception {
        Assignment a = web(0);
        driver.start(a);
        long pid = driver.pid(a.key()).orElseThrow();
        Path overlay = witness(driver.directory(a.key()).resolve("overlay.qcow2"));
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> driver.observe(a.key()).orElseThrow().state() == RoleState.StoppedVM);

        driver.reboot(a.key(), 1);
        var o = driver.observe(a.key()).orElseThrow();
        assertThat(o.state()).isEqualTo(RoleState.RestartingRole);
        assertThat(o.rebootGeneration()).isEqualTo(1);
        assertThat(running(driver.pid(a.key()).orElseThrow())).isTrue();
        assertThat(Files.isSameFile(driver.directory(a.key()).resolve("overlay.qcow2"), overlay)).isTrue();
    }
}
