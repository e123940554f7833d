package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI's commands against a running platform (no hosts: deployments are accepted and wait for capacity). */
class CliAgainstServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    static EmbeddedPlatform platform;
    static String admin;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("vmrole.config.dir", dir.resolve("config").toString());
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 0));
        admin = platform.firstAdministratorKey().orElseThrow();
    }

    @AfterAll
    static void stop() {
        platform.close();
        System.clearProperty("vmrole.config.dir");
    }

    private Run vmrole(String key, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (key != null) {
            all.add("--url");
            all.add(platform.apiUrl());
            all.add("--key");
            all.add(key);
        }
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    private String tenant(String id) throws Exception {
        assertThat(vmrole(admin, "subscription", "create", id).code()).isZero();
        Run key = vmrole(admin, "key", "create", "--subscription", id, "-o", "json");
        assertThat(key.code()).as(key.err()).isZero();
        return JSON.readTree(key.out()).get("key").asText();
    }

    private Path smallImage() throws Exception {
        Path img = dir.resolve("img-" + System.nanoTime() + ".qcow2");
        assertThat(new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "8M").start().waitFor()).isZero();
        return img;
    }

    @Test
    void a_tenant_goes_from_subscription_to_a_deployment_with_tables_and_json() throws Exception {
        String key = tenant("contoso");
        Run list = vmrole(key, "subscription", "list");
        assertThat(list.out()).startsWith("ID").contains("contoso");

        assertThat(vmrole(key, "beta", "list").out()).contains("vm-role");
        Run req = vmrole(key, "beta", "request", "vm-role", "--reason", "web tier", "-o", "json");
        String id = JSON.readTree(req.out()).get("id").asText();
        assertThat(vmrole(admin, "beta", "requests", "--state", "Pending").out()).contains(id).contains("contoso");
        assertThat(vmrole(admin, "beta", "approve", id).out()).contains("Approved");

        Run upload = vmrole(key, "image", "upload", smallImage().toString(), "--name", "sample-v1");
        assertThat(upload.code()).as(upload.err()).isZero();
        assertThat(upload.out()).contains("image sample-v1 stored as sha256:");
        assertThat(upload.err()).contains("uploading [").contains("/s");
        assertThat(vmrole(key, "image", "list").out()).contains("sample-v1").contains("QCOW2");

        Run deploy = vmrole(key, "deploy", "hello", "--definition", "src/main/resources/demo/ServiceDefinition.csdef",
                "--config", "src/main/resources/demo/ServiceConfiguration.cscfg");
        assertThat(deploy.code()).as(deploy.err()).isZero();
        assertThat(deploy.out()).contains("created service hello").contains("operation op-");
        String op = deploy.out().replaceAll("(?s).*operation (op-\\d+).*", "$1");
        assertThat(vmrole(key, "operation", "show", op).out()).contains("CreateDeployment").contains("InProgress");

        platform.fabric().reconcileOnce();
        Run status = vmrole(key, "status", "hello");
        assertThat(status.out()).contains("production  deployment d-").contains("INSTANCE").contains("WebVM_IN_0").contains("WebVM_IN_1")
                .contains("waiting:").contains("(SLA: at risk, 0 of 2 instances ready)");
        var shown = JSON.readTree(vmrole(key, "status", "hello", "-o", "json").out());
        assertThat(shown.get("instances")).hasSize(2);
        assertThat(shown.path("sla").path("ok").asBoolean(true)).isFalse();
        assertThat(shown.path("sla").path("reason").asText()).isEqualTo("0 of 2 instances ready");
        assertThat(vmrole(key, "scale", "hello", "WebVM", "3").code()).isZero();
        assertThat(vmrole(key, "service", "list").out()).contains("hello").contains("d-");
        Run delete = vmrole(key, "delete", "hello");
        assertThat(delete.code()).isZero();
        assertThat(vmrole(key, "status", "hello").code()).isEqualTo(1);
    }

    @Test
    void a_tenant_upgrades_on_the_kept_definition_walks_a_manual_upgrade_and_rolls_it_back() throws Exception {
        String key = tenant("tailspin");
        String req = JSON.readTree(vmrole(key, "beta", "request", "vm-role", "--reason", "upgrades", "-o", "json").out()).get("id").asText();
        assertThat(vmrole(admin, "beta", "approve", req).code()).isZero();
        assertThat(vmrole(key, "image", "upload", smallImage().toString(), "--name", "sample-v1").code()).isZero();
        assertThat(vmrole(key, "image", "upload", smallImage().toString(), "--name", "sample-v2").code()).isZero();
        String cscfg = "src/main/resources/demo/ServiceConfiguration.cscfg";
        assertThat(vmrole(key, "deploy", "shop", "--definition", "src/main/resources/demo/ServiceDefinition.csdef", "--config", cscfg).code()).isZero();
        platform.fabric().reconcileOnce();

        Run badMode = vmrole(key, "upgrade", "shop", "--config", cscfg, "--mode", "sideways");
        assertThat(badMode.code()).isEqualTo(2);
        assertThat(badMode.err()).contains("--mode must be auto or manual");
        assertThat(vmrole(key, "upgrade", "shop").err()).contains("--config F.cscfg [--definition F.csdef], or --file F.yaml; or --rollback");

        Run up = vmrole(key, "upgrade", "shop", "--config", cscfg, "--image", "sample-v2", "--mode", "manual");
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(up.out()).contains("upgrading shop production (manual): operation op-");
        platform.fabric().reconcileOnce();
        Run outOfOrder = vmrole(key, "walk", "shop", "1");
        assertThat(outOfOrder.code()).isNotZero();
        assertThat(outOfOrder.err()).contains("next is 0");
        Run walk = vmrole(key, "walk", "shop", "0");
        assertThat(walk.code()).as(walk.err()).isZero();
        assertThat(walk.out()).contains("walking update domain 0 of shop");
        platform.fabric().reconcileOnce();
        var shown = JSON.readTree(vmrole(key, "status", "shop", "-o", "json").out());
        assertThat(shown.path("upgrade").path("targetVersion").asInt()).isEqualTo(2);
        assertThat(shown.path("upgrade").path("state").asText()).isEqualTo("Walking");
        assertThat(shown.path("upgrade").path("currentDomain").asInt()).isZero();
        assertThat(vmrole(key, "status", "shop").out()).contains("upgrading to version 2 (manual): Walking, update domain 0 in flight, walked [], pending [1]");

        Run back = vmrole(key, "upgrade", "shop", "--rollback");
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(back.out()).contains("rolling back shop production: operation op-");
        platform.fabric().reconcileOnce();
        assertThat(JSON.readTree(vmrole(key, "status", "shop", "-o", "json").out()).path("upgrade").path("rollback").asBoolean()).isTrue();
    }

    @Test
    void bad_usage_exits_two_and_a_failed_request_exits_one_each_with_a_message() throws Exception {
        String key = tenant("fabrikam");
        Run missingArg = vmrole(key, "scale", "hello");
        assertThat(missingArg.code()).isEqualTo(2);
        Run badId = vmrole(admin, "subscription", "create", "Not Valid");
        assertThat(badId.code()).isEqualTo(2);
        assertThat(badId.err()).contains("subscription id 'Not Valid' must be");
        Run notFound = vmrole(key, "status", "nothing-here");
        assertThat(notFound.code()).isEqualTo(1);
        assertThat(notFound.err()).contains("service 'nothing-here' does not exist");
        Run noKey = vmrole(null, "subscription", "list", "--url", platform.apiUrl());
        assertThat(noKey.code()).isEqualTo(2);
        assertThat(noKey.err()).contains("no API key");
        Run wrongKey = vmrole("vmr_" + "x".repeat(40), "subscription", "list");
        assertThat(wrongKey.code()).isEqualTo(1);
        assertThat(wrongKey.err()).contains("unknown or revoked");
        Run pastedTwoLines = vmrole("program\n" + key, "subscription", "list");
        assertThat(pastedTwoLines.code()).isEqualTo(2);
        assertThat(pastedTwoLines.err()).contains("line breaks").contains("give the key alone");
        Run deployWithoutFiles = vmrole(key, "deploy", "hello");
        assertThat(deployWithoutFiles.code()).isEqualTo(2);
        assertThat(deployWithoutFiles.err()).contains("--definition F.csdef and --config F.cscfg, or --file F.yaml");
    }

    @Test
    void login_saves_the_url_and_key_for_later_commands() throws Exception {
        String key = tenant("northwind");
        assertThat(vmrole(key, "login").code()).isZero();
        Run later = vmrole(null, "subscription", "list");
        assertThat(later.code()).as(later.err()).isZero();
        assertThat(later.out()).contains("northwind");
    }

    @Test
    void the_administrator_lists_hosts_and_issues_join_tokens() throws Exception {
        Run token = vmrole(admin, "host", "token", "host-z");
        assertThat(token.code()).isZero();
        assertThat(token.out()).contains("join token for host host-z").contains("./vmrole host --controller");
        Run json = vmrole(admin, "host", "token", "host-y", "-o", "json");
        assertThat(json.code()).as(json.err()).isZero();
        assertThat(JSON.readTree(json.out()).path("joinToken").asText()).as("a script reads the token from joinToken").hasSizeGreaterThan(20);
        assertThat(vmrole(admin, "host", "list").out()).startsWith("HOST");
        Run drainUnknown = vmrole(admin, "host", "drain", "host-none");
        assertThat(drainUnknown.code()).isEqualTo(1);
        assertThat(drainUnknown.err()).contains("no host named 'host-none'");
        Run asTenant = vmrole(admin.replace(admin, "vmr_" + "y".repeat(40)), "host", "list");
        assertThat(asTenant.code()).isEqualTo(1);
    }

    @Test
    void controller_status_on_sqlite_shows_this_replica_as_the_leader_and_no_etcd_members() throws Exception {
        Run table = vmrole(admin, "controller", "status");
        String self = platform.apiUrl().substring("http://".length());
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("leader " + self, "no etcd members");
        var json = JSON.readTree(vmrole(admin, "controller", "status", "-o", "json").out());
        assertThat(json.path("leader").asText()).isEqualTo(self);
        assertThat(json.path("replicas")).hasSize(1);
        assertThat(json.path("members")).isEmpty();
    }
}
