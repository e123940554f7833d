package org.vmrole.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A bare HTTP client for contract tests: method, path, key, JSON body; answers status and parsed JSON. */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;

    ApiClient(int port) { this.port = port; }

    record Reply(int status, JsonNode body) {
        String errorCode() { return body.path("error").path("code").asText(); }
    }

    Reply call(String method, String path, String key, String body) throws Exception {
        return send(method, path, key, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    /** The status, headers and text of a reply, for checks of the HTTP layer itself. */
    record RawReply(int status, java.net.http.HttpHeaders headers, String body) {
        String header(String name) { return headers.firstValue(name).orElse(null); }
    }

    RawReply raw(String method, String path, String key, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new RawReply(r.statusCode(), r.headers(), r.body());
    }

    Reply send(String method, String path, String key, HttpRequest.BodyPublisher body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).method(method, body);
        if (key != null) b.header("Authorization", "Bearer " + key);
        var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : r.body().startsWith("{") ? JSON.readTree(r.body()) : JSON.getNodeFactory().textNode(r.body()));
    }
}
