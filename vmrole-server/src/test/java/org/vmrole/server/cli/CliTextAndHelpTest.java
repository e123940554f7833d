package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.vmrole.server.MainAccess;

/** What the CLI prints without a platform: console logs as they are, and help on every command. */
class CliTextAndHelpTest {

    record Run(int code, String out, String err) {}

    private static Run vmrole(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = MainAccess.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void logs_prints_a_console_that_happens_to_parse_as_json() throws Exception {
        String console = "[    0.000000] Linux version 6.1.0-28-amd64\n[    0.000000] Command line: console=ttyS0\n";
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = console.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Run r = vmrole("logs", "hello", "WebVM_IN_0", "--url", "http://127.0.0.1:" + server.getAddress().getPort(), "--key", "k");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo(console);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void server_help_is_accepted_and_states_the_admin_key_form() {
        Run r = vmrole("server", "--help");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("--admin-key").contains("'vmr_' followed by at least 32");
    }

    @Test
    void beta_help_is_accepted() {
        Run r = vmrole("beta", "--help");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("request").contains("approve");
    }

    @Test
    void guest_agent_writes_a_deb_and_a_tarball() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("guest-agent");
        try {
            Run deb = vmrole("guest-agent", "deb", "--out", dir.resolve("a.deb").toString());
            assertThat(deb.code()).as(deb.err()).isZero();
            assertThat(deb.out()).contains("vmrole-guest-agent");
            Run tar = vmrole("guest-agent", "tar", "--out", dir.resolve("a.tar.gz").toString());
            assertThat(tar.code()).as(tar.err()).isZero();
            assertThat(dir.resolve("a.deb")).isNotEmptyFile();
            assertThat(dir.resolve("a.tar.gz")).isNotEmptyFile();
            assertThat(vmrole("guest-agent", "rpm", "--out", dir.resolve("a.rpm").toString()).code()).isEqualTo(2);
        } finally {
            for (String f : new String[] {"a.deb", "a.tar.gz"}) java.nio.file.Files.deleteIfExists(dir.resolve(f));
            java.nio.file.Files.deleteIfExists(dir);
        }
    }
}
