package org.vmrole.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the sample app's request handler under the host's busybox sh, one request on stdin, as nc -e does in the guest. */
class SampleAppTest {

    @TempDir
    Path dir;

    private Path handler;
    private Path environment;

    @BeforeEach
    void copyHandler() throws IOException {
        handler = dir.resolve("http");
        try (InputStream in = SampleAppTest.class.getResourceAsStream("/guest/rootfs/usr/lib/vmrole-sample/http")) {
            Files.write(handler, in.readAllBytes());
        }
        environment = dir.resolve("environment");
        Files.writeString(environment, "VMROLE_INSTANCE_ID='WebVM_IN_3'\nVMROLE_INCARNATION='5'\n");
    }

    @Test
    void answers_the_root_with_instance_incarnation_and_uptime() throws Exception {
        String response = request("GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.0 200 OK\r\n").contains("Content-Type: text/plain\r\n");
        assertThat(body(response)).matches("instance=WebVM_IN_3 incarnation=5 uptime=\\d+\n");
        assertThat(response).contains("Content-Length: " + body(response).length() + "\r\n");
    }

    @Test
    void reads_back_a_marker_it_wrote_and_404s_one_it_did_not() throws Exception {
        assertThat(body(request("GET /write?name=m-1.txt HTTP/1.0\r\n\r\n"))).isEqualTo("wrote m-1.txt\n");

        assertThat(body(request("GET /read?name=m-1.txt HTTP/1.0\r\n\r\n"))).startsWith("written by WebVM_IN_3 incarnation=5");
        assertThat(request("GET /read?name=other HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 404 Not Found");
        assertThat(dir.resolve("markers/m-1.txt")).exists();
    }

    @Test
    void the_drive_routes_say_when_the_role_has_no_drive_and_check_names() throws Exception {
        assertThat(request("GET /drive/write?name=f HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 409 Conflict").contains("the role has no drive");
        assertThat(request("GET /drive/read?name=../x HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 400 Bad Request");
    }

    @Test
    void refuses_marker_names_that_could_leave_the_marker_directory() throws Exception {
        for (String name : List.of("../etc", ".hidden", "a/b", "")) {
            assertThat(request("GET /write?name=" + name + " HTTP/1.0\r\n\r\n")).as(name).startsWith("HTTP/1.0 400 Bad Request");
        }
    }

    @Test
    void turns_the_fault_hooks_off_when_the_role_says_so() throws Exception {
        Files.writeString(environment, "VMROLE_SETTING_SampleTestHooks='off'\n", java.nio.file.StandardOpenOption.APPEND);

        assertThat(request("GET /panic HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 403 Forbidden");
        assertThat(request("GET /hang-agent HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 403 Forbidden");
    }

    @Test
    void refuses_a_peer_request_whose_address_or_port_is_not_plain_numbers() throws Exception {
        assertThat(request("GET /peer?address=10.128.0.11;reboot&port=8080 HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 400 Bad Request");
        assertThat(request("GET /peer?address=10.128.0.11 HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 400 Bad Request");
    }

    @Test
    void answers_404_for_an_unknown_route() throws Exception {
        assertThat(request("GET /nothing HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 404 Not Found");
    }

    private String request(String raw) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("busybox", "sh", handler.toString());
        pb.environment().put("VMROLE_ENVIRONMENT_FILE", environment.toString());
        pb.environment().put("VMROLE_SAMPLE_MARKERS", dir.resolve("markers").toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(raw.getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
}
