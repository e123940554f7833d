package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** A platform with its storage service and no hosts, driven through the CLI as tenants would. */
final class StoragePlatform implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final EmbeddedPlatform platform;
    final String admin;

    record Run(int code, String out, String err) {}

    StoragePlatform(Path dir) throws Exception {
        System.setProperty("vmrole.config.dir", dir.resolve("config").toString());
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 0, true));
        admin = platform.firstAdministratorKey().orElseThrow();
    }

    Run vmrole(String key, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", platform.apiUrl(), "--key", key));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    /** A new subscription and an API key of its own. */
    String tenant(String id) throws Exception {
        assertThat(vmrole(admin, "subscription", "create", id).code()).isZero();
        return json(vmrole(admin, "key", "create", "--subscription", id, "-o", "json")).get("key").asText();
    }

    /** The command's JSON output; the command must have succeeded. */
    static JsonNode json(Run r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @Override
    public void close() {
        platform.close();
        System.clearProperty("vmrole.config.dir");
    }
}
