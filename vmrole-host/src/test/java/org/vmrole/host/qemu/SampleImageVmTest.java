package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.host.HostAgent;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.LocalDisk;
import org.vmrole.model.host.ObservedInstance;

/** The sample image booted for real under QEMU through the host agent and the QEMU driver. */
@Tag("vm")
class SampleImageVmTest {
    private static final Duration BOOT = Duration.ofSeconds(120);
    private static Path image;

    @TempDir
    Path dir;
    private QemuSettings settings;
    private QemuDriver driver;
    private HostAgent host;
    private final List<ObservedInstance> heard = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private int port;
    private String key = "d-vm/WebVM_IN_0";

    @BeforeAll
    static void sampleImage() {
        image = SampleImage.ensure();
    }

    @BeforeEach
    void host() throws IOException {
        settings = QemuSettings.defaults(dir.resolve("host"), BaseImages.of(Map.of("sample", image)));
        driver = new QemuDriver(settings);
        driver.addListener(heard::add);
        host = new HostAgent(driver, settings.dataDir());
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
    }

    @AfterEach
    void stopAll() {
        host.stopAll();
        host.close();
        // Whatever a failed test left running (a child JVM's VM, say) must not outlive it.
        try (QemuDriver sweep = new QemuDriver(settings)) {
            for (Assignment a : sweep.recover()) sweep.kill(a.key());
        }
    }

    private Assignment web(long incarnation, long rebootGeneration) {
        return new Assignment("d-vm", new InstanceName("WebVM", 0), incarnation, rebootGeneration, VmSize.ExtraSmall, "sample", 0, 1,
                Map.of("Greeting", "hi"), List.of(new EndpointBinding("HttpIn", "http", 80, port)),
                List.of(new LocalDisk("scratch", 64, false)));
    }

    private ObservedInstance seen() {
        return host.observe(key).orElseThrow();
    }

    private void awaitState(RoleState state, HealthCause cause, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            ObservedInstance o = seen();
            assertThat(o.state()).isEqualTo(state);
            assertThat(o.cause()).isEqualTo(cause);
        });
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void boots_says_hello_becomes_ready_and_answers_with_its_instance_id_then_reports_a_hung_agent_and_a_panic() throws Exception {
        host.apply(List.of(web(1, 0)));
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, BOOT);
        assertThat(heard).extracting(ObservedInstance::cause).contains(HealthCause.STARTED, HealthCause.AGENT_HELLO);
        HttpResponse<String> root = get("/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).contains("instance=WebVM_IN_0").contains("incarnation=1");
        assertThat(Files.readString(driver.directory("d-vm/WebVM_IN_0").resolve("console.log"))).isNotEmpty();

        assertThat(get("/hang-agent").statusCode()).isEqualTo(200);
        awaitState(RoleState.UnresponsiveRole, HealthCause.AGENT_SILENT, Duration.ofSeconds(30));
        assertThat(get("/resume-agent").statusCode()).isEqualTo(200);
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, Duration.ofSeconds(30));

        assertThat(get("/panic").statusCode()).isEqualTo(200);
        awaitState(RoleState.StoppedVM, HealthCause.GUEST_PANICKED, Duration.ofSeconds(60));
    }

    @Test
    void new_setting_values_reach_the_running_guest_through_its_agent_without_a_reboot() throws Exception {
        host.apply(List.of(web(1, 0)));
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, BOOT);
        assertThat(get("/environment").body()).contains("VMROLE_SETTING_Greeting='hi'");
        long before = uptime();
        Assignment a = web(1, 0);
        Assignment changed = new Assignment(a.deploymentId(), a.instance(), 1, 0, a.size(), a.imageDigest(), a.updateDomain(), a.faultDomain(),
                Map.of("Greeting", "hello"), a.endpoints(), a.localDisks());

        assertThat(host.apply(List.of(changed))).extracting(org.vmrole.host.HostAction::kind).containsExactly(org.vmrole.host.HostAction.Kind.CHANGE_SETTINGS);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(get("/environment").body()).contains("VMROLE_SETTING_Greeting='hello'"));
        assertThat(uptime()).as("the guest kept running").isGreaterThanOrEqualTo(before);
        assertThat(heard).extracting(ObservedInstance::cause).doesNotContain(HealthCause.GUEST_RESET);
        assertThat(seen().incarnation()).isEqualTo(1);
        assertThat(driver.assignment(key).orElseThrow().settings()).containsEntry("Greeting", "hello");
    }

    /** The seconds the guest has been up, from the sample app's {@code GET /}. */
    private long uptime() throws Exception {
        String body = get("/").body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("uptime=(\\d+)").matcher(body);
        assertThat(m.find()).as(body).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void a_file_written_in_the_guest_survives_reboot_and_is_gone_after_reimage() throws Exception {
        host.apply(List.of(web(1, 0)));
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, BOOT);
        assertThat(get("/write?name=marker").statusCode()).isEqualTo(200);
        Path scratch = driver.directory("d-vm/WebVM_IN_0").resolve("local0.qcow2");
        // A hard link keeps the old inode from being reused, so "same file" is a sound check.
        Path scratchBefore = Files.createLink(dir.resolve("scratch-witness"), scratch);

        host.apply(List.of(web(1, 1)));
        await().atMost(BOOT).untilAsserted(() -> assertThat(heard).extracting(ObservedInstance::cause).contains(HealthCause.GUEST_RESET));
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, BOOT);
        assertThat(seen().rebootGeneration()).isEqualTo(1);
        assertThat(get("/read?name=marker").body()).contains("written by WebVM_IN_0");
        assertThat(Files.isSameFile(scratch, scratchBefore)).isTrue();

        host.apply(List.of(web(2, 1)));
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, BOOT);
        assertThat(seen().incarnation()).isEqualTo(2);
        HttpResponse<String> gone = get("/read?name=marker");
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(get("/").body()).contains("incarnation=2");
        assertThat(Files.isSameFile(scratch, scratchBefore)).isFalse();
    }

    @Test
    void a_graceful_stop_lets_the_guest_power_itself_off() {
        host.apply(List.of(web(1, 0)));
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, BOOT);
        host.apply(List.of());
        assertThat(heard).last().satisfies(o -> {
            assertThat(o.state()).isEqualTo(RoleState.StoppedVM);
            assertThat(o.cause()).isEqualTo(HealthCause.STOPPED_BY_REQUEST);
            assertThat(o.message()).isEqualTo("the guest powered off");
        });
        assertThat(host.observe()).isEmpty();
    }

    @Test
    void a_host_agent_killed_with_sigkill_is_followed_by_one_that_readopts_its_ready_vm() throws Exception {
        host.close();
        Process agentJvm = HostAgentProcess.launch(settings.dataDir(), image, port);
        try {
            HostAgentProcessOutput.awaitLine(agentJvm, "applied", Duration.ofSeconds(60));
            await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> {
                try {
                    return get("/").statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            agentJvm.destroyForcibly().waitFor();
        }
        driver = new QemuDriver(settings);
        host = new HostAgent(driver, settings.dataDir());
        key = "d-test/Web_IN_0";
        awaitState(RoleState.ReadyRole, HealthCause.AGENT_READY, Duration.ofSeconds(30));
        assertThat(get("/").body()).contains("instance=Web_IN_0");
    }
}
