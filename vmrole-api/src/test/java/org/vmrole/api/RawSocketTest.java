package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests the HTTP layer refuses before any route sees them (bad URIs, headers, versions, chunking), written byte by
 * byte on a socket: each answer is a 4xx (or 505) whose body is the API's JSON error, never Jetty's HTML page.
 */
class RawSocketTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    static ApiFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ApiFixture(dir);
        fx.subscriptionWithKey("rawsock");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    record Answer(int status, String head, String body) {}

    static Answer send(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.api.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            String body = split < 0 ? "" : text.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) body = unchunk(body);
            String[] status = head.split(" ", 3);
            return new Answer(status.length > 1 ? Integer.parseInt(status[1]) : -1, head, body);
        }
    }

    private static String unchunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = body.indexOf("\r\n", at);
            if (eol < 0) return out.toString();
            int size = Integer.parseInt(body.substring(at, eol).trim(), 16);
            if (size == 0) return out.toString();
            out.append(body, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
    }

    private static void assertJsonError(Answer a, String request) throws Exception {
        assertThat(a.status()).as(request + "\n" + a.head() + "\n" + a.body()).matches(status -> status >= 400 && status < 500 || status == 505);
        assertThat(a.head().toLowerCase()).as(a.head()).contains("content-type: application/json");
        JsonNode error = JSON.readTree(a.body()).path("error");
        assertThat(error.path("code").isTextual()).as(a.body()).isTrue();
        assertThat(error.path("message").isTextual()).as(a.body()).isTrue();
        assertThat(error.has("target")).as(a.body()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET /subscriptions/%00 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /subscriptions/%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /subscriptions/a b HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /subscriptions/../hosts HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /subscriptions/%2e%2e/hosts HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /subscriptions/a%2fb HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET http://evil.example/subscriptions HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
            "POST /subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
            "POST /subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            "POST /subscriptions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            "GET /subscriptions HTTP/9.9\r\nHost: x\r\n\r\n",
            "GET /subscriptions HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
            "GET /subscriptions HTTP/1.1\r\nHost: x\r\n\r\n",
            "BREW /subscriptions HTTP/1.1\r\nHost: x\r\n\r\n",
    })
    void a_refused_request_is_answered_with_the_json_error(String request) throws Exception {
        assertJsonError(send(request), request);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\n{}\r\n0\r\n\r\n", "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "5\r\n{}"})
    void a_body_with_a_bad_chunk_is_answered_with_the_json_error_as_a_tenant_or_the_administrator(String chunks) throws Exception {
        String request = "POST /subscriptions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + fx.admin
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
        assertJsonError(send(request), request);
        String id = fx.client.call("POST", "/images/uploads?subscription=rawsock", fx.admin, "{\"name\":\"raw\"}").body().path("uploadId").asText();
        String upload = "PUT /images/uploads/" + id + "?offset=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + fx.admin
                + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
        assertJsonError(send(upload), upload);
    }

    @org.junit.jupiter.api.Test
    void an_oversized_header_is_a_431_in_json() throws Exception {
        String request = "GET /subscriptions HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n";
        Answer a = send(request);
        assertThat(a.status()).isEqualTo(431);
        assertJsonError(a, "X-Big: 64 KiB");
    }
}
