package org.vmrole.host.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import com.fasterxml.jackson.core.type.TypeReference;
import org.vmrole.model.host.HostRequest;
import org.vmrole.model.host.HostAssignments;
import org.vmrole.model.host.HostHeartbeat;
import org.vmrole.model.host.HostJoin;

/** The host's side of the host protocol over HTTP: join, heartbeat, fetch an image, answer questions. The join token never leaves this class. */
public final class ControllerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/hostlink/v1";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    private final String host;
    private final String token;

    public ControllerClient(URI controller, String host, String joinToken) {
        if (joinToken == null || joinToken.isBlank()) throw new IllegalArgumentException("a host needs a join token (--join-token or VMROLE_JOIN_TOKEN); the administrator issues one");
        String b = controller.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.host = host;
        this.token = joinToken;
    }

    public void join(HostJoin join) throws IOException, InterruptedException {
        send(post("/join", join), HttpResponse.BodyHandlers.ofString());
    }

    /** Empty when the controller says nothing changed since {@code beat.knownAssignmentsVersion()}. */
    public Optional<HostAssignments> heartbeat(HostHeartbeat beat) throws IOException, InterruptedException {
        HttpResponse<String> r = send(post("/heartbeat", beat).timeout(Duration.ofSeconds(5)), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 204) return Optional.empty();
        return Optional.of(JSON.readValue(r.body(), HostAssignments.class));
    }

    /** The controller's questions for this host, waiting up to {@code wait} for one; empty when none came. */
    public List<HostRequest> requests(Duration wait) throws IOException, InterruptedException {
        HttpRequest req = request("/requests?wait=" + wait.toSeconds()).header("X-Vmrole-Host", host)
                .timeout(wait.plusSeconds(10)).GET().build();
        return JSON.readValue(send(req, HttpResponse.BodyHandlers.ofString()).body(), new TypeReference<List<HostRequest>>() {});
    }

    /** Answers one question; the controller holds it to its own size limit. */
    public void answer(String requestId, String text) throws IOException, InterruptedException {
        HttpRequest req = request("/requests/" + requestId).header("X-Vmrole-Host", host).header("Content-Type", "text/plain; charset=utf-8")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(text)).build();
        send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** Streams a base image from the controller; the caller verifies its digest. */
    public InputStream image(String digest) throws IOException {
        HttpRequest req = request("/images/" + digest).header("X-Vmrole-Host", host).GET().build();
        try {
            return send(req, HttpResponse.BodyHandlers.ofInputStream()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching image " + digest, e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(PREFIX + path)).header("Authorization", "Bearer " + token);
    }

    private HttpRequest.Builder post(String path, Object body) throws IOException {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        return send(b.build(), handler);
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        HttpResponse<T> r = http.send(req, handler);
        if (r.statusCode() >= 400) {
            Object body = r.body();
            String text = body instanceof String s ? s : body instanceof InputStream in ? new String(in.readNBytes(4096)) : "";
            if (r.statusCode() == 401) throw new NotAdmitted(text);
            throw new IOException("controller answered " + r.statusCode() + " to " + req.method() + " " + req.uri().getPath() + ": " + text);
        }
        return r;
    }

    /** The controller does not know this host's token: it was never issued, or it was revoked. */
    public static final class NotAdmitted extends IOException {
        public NotAdmitted(String message) {
            super(message);
        }
    }
}
