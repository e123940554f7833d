package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** The CLI's side of the management API: JSON in and out, API errors turned into {@link CliFailure}s. */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String base;
    private final String key;

    public ApiClient(String base, String key) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.key = key;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        // the default TLS context reads and parses the JDK's CA certificates (about 0.1 s of every command's start);
        // a plain-http URL never uses TLS, so it gets a context that has none to read
        if (this.base.regionMatches(true, 0, "http://", 0, 7)) b.sslContext(NO_TLS.get());
        this.http = b.build();
    }

    /** A TLS context with no keys and no trust anchors: nothing to load, and it could not complete a handshake. */
    private static final Supplier<SSLContext> NO_TLS = () -> {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(new KeyManager[0], new TrustManager[0], null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no TLS context: " + e.getMessage(), e);
        }
    };

    public String base() { return base; }

    public JsonNode get(String path) { return send("GET", path, null); }

    public JsonNode post(String path, Object body) { return send("POST", path, body); }

    public JsonNode delete(String path) { return send("DELETE", path, null); }

    /** Sends raw bytes (an upload chunk). */
    public JsonNode putBytes(String path, byte[] bytes, int length) {
        return putStream(path, HttpRequest.BodyPublishers.ofByteArray(bytes, 0, length), Duration.ofMinutes(5));
    }

    /** Streams a raw body (an upload); {@code timeout} bounds the whole exchange, sending included. */
    public JsonNode putStream(String path, HttpRequest.BodyPublisher body, Duration timeout) {
        return exchange(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/octet-stream").PUT(body));
    }

    /**
     * Reads a plain-text answer (a console log) as it is: a console starting {@code [    0.000000] Linux} is valid JSON
     * (an array), so a text answer is never parsed; only an error's body is.
     */
    public String getText(String path) {
        return exchange(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).GET(), body -> body);
    }

    public JsonNode send(String method, String path, Object body) {
        try {
            var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(330)).header("Accept", "application/json")
                    .header("Authorization", "Bearer " + key);
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            }
            return exchange(b);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CliFailure(1, "cannot encode the request: " + e.getMessage());
        }
    }

    private JsonNode exchange(HttpRequest.Builder b) {
        return exchange(b, body -> body.isBlank() ? JSON.nullNode() : parse(body));
    }

    private <T> T exchange(HttpRequest.Builder b, java.util.function.Function<String, T> success) {
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                JsonNode json = r.body().isBlank() ? JSON.nullNode() : parse(r.body());
                JsonNode e = json.path("error");
                String msg = e.path("message").asText(r.body());
                // the client got something wrong: bad usage; anything else is a failed operation
                int exit = r.statusCode() == 400 ? 2 : 1;
                throw new CliFailure(exit, msg + (e.hasNonNull("code") ? " [" + e.get("code").asText() + "]" : ""));
            }
            return success.apply(r.body());
        } catch (ConnectException e) {
            throw new CliFailure(1, "cannot reach the vmrole API at " + base + "; is './vmrole server' running? (set --url or VMROLE_URL)");
        } catch (IOException e) {
            throw new CliFailure(1, "talking to " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(1, "interrupted");
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(body);
        }
    }
}
