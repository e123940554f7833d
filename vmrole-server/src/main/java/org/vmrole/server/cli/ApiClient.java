package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Timer;
import java.util.TimerTask;
import java.util.function.Function;

/**
 * The CLI's side of the management API: JSON in and out, API errors turned into {@link CliFailure}s.
 *
 * <p>It speaks through {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: the latter starts a selector
 * thread and loads and links a few hundred classes before its first request, which cost a short command like
 * {@code status} about 0.3 s of its start, more than everything else it does.
 */
public final class ApiClient {
    /** Only commands that send a body pay for databind's start (see {@link JsonTree}). */
    private static final class Encoder {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration ANSWER = Duration.ofSeconds(330);
    private final String base;
    private final String key;

    public ApiClient(String base, String key) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.key = key;
    }

    /** A request body written straight to the connection, of a length known before it is sent. */
    public interface Body {
        long length();

        void writeTo(OutputStream out) throws IOException;

        /**
         * Whether the body streams to the socket as it is written (a file) instead of being buffered first (bytes
         * already in memory). A streamed request cannot read a 401's answer: the connection gives up on it.
         */
        default boolean streamed() {
            return true;
        }
    }

    public String base() { return base; }

    public JsonNode get(String path) { return send("GET", path, null); }

    public JsonNode post(String path, Object body) { return send("POST", path, body); }

    public JsonNode delete(String path) { return send("DELETE", path, null); }

    /** Sends raw bytes (an upload chunk). */
    public JsonNode putBytes(String path, byte[] bytes, int length) {
        return putStream(path, bytes(bytes, length), Duration.ofMinutes(5));
    }

    /** Streams a raw body (an upload); {@code timeout} bounds the whole exchange, sending included. */
    public JsonNode putStream(String path, Body body, Duration timeout) {
        return exchange("PUT", path, "application/octet-stream", body, timeout, ApiClient::json);
    }

    /**
     * Reads a plain-text answer (a console log) as it is: a console starting {@code [    0.000000] Linux} is valid JSON
     * (an array), so a text answer is never parsed; only an error's body is.
     */
    public String getText(String path) {
        return exchange("GET", path, null, null, Duration.ofSeconds(60), body -> body);
    }

    public JsonNode send(String method, String path, Object body) {
        try {
            if (body == null) return exchange(method, path, null, null, ANSWER, ApiClient::json);
            byte[] encoded = Encoder.JSON.writeValueAsBytes(body);
            return exchange(method, path, "application/json", bytes(encoded, encoded.length), ANSWER, ApiClient::json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CliFailure(1, "cannot encode the request: " + e.getMessage());
        }
    }

    private static Body bytes(byte[] bytes, int length) {
        return new Body() {
            @Override public long length() { return length; }

            @Override public void writeTo(OutputStream out) throws IOException { out.write(bytes, 0, length); }

            @Override public boolean streamed() { return false; }
        };
    }

    /** One exchange, bounded as a whole by {@code timeout}: a read times out by itself, a stalled write is cut off. */
    private <T> T exchange(String method, String path, String contentType, Body body, Duration timeout, Function<String, T> success) {
        HttpURLConnection c = null;
        Timer deadline = null;
        try {
            c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setConnectTimeout((int) CONNECT.toMillis());
            c.setReadTimeout((int) timeout.toMillis());
            c.setRequestProperty("Accept", "application/json");
            c.setRequestProperty("Authorization", "Bearer " + key);
            if (body != null) {
                HttpURLConnection open = c;
                deadline = new Timer("request-deadline", true);
                deadline.schedule(new TimerTask() {
                    @Override public void run() { open.disconnect(); }
                }, timeout.toMillis());
                c.setRequestProperty("Content-Type", contentType);
                c.setDoOutput(true);
                if (body.streamed()) c.setFixedLengthStreamingMode(body.length());
                try (OutputStream out = c.getOutputStream()) {
                    body.writeTo(out);
                }
            }
            int status = c.getResponseCode();
            String answer = text(status >= 400 ? c.getErrorStream() : c.getInputStream());
            if (status >= 400) {
                JsonNode json = json(answer);
                JsonNode e = json.path("error");
                String msg = e.path("message").asText(answer.isBlank() ? "the API answered " + status + " " + c.getResponseMessage()
                        + (status == 401 ? ": it does not know this key; check --key or VMROLE_KEY, or run './vmrole login'" : "") : answer);
                // the client got something wrong: bad usage; anything else is a failed operation
                int exit = status == 400 ? 2 : 1;
                throw new CliFailure(exit, msg + (e.hasNonNull("code") ? " [" + e.get("code").asText() + "]" : ""));
            }
            return success.apply(answer);
        } catch (ConnectException e) {
            throw new CliFailure(1, "cannot reach the vmrole API at " + base + "; is './vmrole server' running? (set --url or VMROLE_URL)");
        } catch (IOException e) {
            throw new CliFailure(1, "talking to " + base + " failed: " + e.getMessage());
        } finally {
            if (deadline != null) deadline.cancel();
        }
    }

    private static String text(InputStream in) throws IOException {
        if (in == null) return "";
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode json(String body) {
        if (body.isBlank()) return JsonNodeFactory.instance.nullNode();
        try {
            return JsonTree.read(body);
        } catch (IOException e) {
            return JsonNodeFactory.instance.textNode(body);
        }
    }
}
