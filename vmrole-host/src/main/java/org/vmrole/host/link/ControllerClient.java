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
import org.vmrole.model.host.HostAdmission;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.JoinCredentials;
import org.vmrole.model.tls.Pem;
import org.vmrole.model.tls.PinnedTrust;
import org.vmrole.model.tls.TlsCredentials;
import org.vmrole.model.tls.TlsIdentity;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/**
 * The host's side of the host protocol over TLS: join, heartbeat, fetch an image, answer questions. The controller
 * is trusted only if it presents the certificate the join token pins; the join sends a fresh public key and gets a
 * certificate for it, which every later call presents (TLS client authentication) along with the join token. The
 * token and the private key never leave this class and the {@link TlsIdentity} it fills.
 */
public final class ControllerClient {
    // a controller is upgraded before its hosts: what a newer one adds to its answers (such as the images to prefetch) an
    // older host ignores rather than refuse every heartbeat reply
    private static final ObjectMapper JSON = new ObjectMapper().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String PREFIX = "/hostlink/v1";

    private final PinnedTrust controllerTrust;
    private final TlsIdentity identity = new TlsIdentity();
    /** Joins present no certificate; everything after presents the one the join got. Two clients, so no connection is shared. */
    private final HttpClient joining;
    /**
     * Made anew at every join, once the new certificate is in place: TLS sessions remember the client certificate
     * they began with, and a client that resumed one from before the join would present none (or the old one).
     */
    private volatile HttpClient http;
    /**
     * The controller's replicas' API URLs; hosts speak to one at a time and move on when it fails or does not lead. A
     * leader a replica names that the host was not told of joins the list (an in-process host knows its own replica only).
     */
    private final List<URI> apis;
    private volatile int current;
    /** The host link's TLS address, learned at each join. */
    private volatile URI base;
    private final String host;
    private final String token;

    /** @param controller the controller's API URL as the administrator gives it; the host link's TLS port is asked for there */
    public ControllerClient(URI controller, String host, String joinToken) {
        this(List.of(controller), host, joinToken);
    }

    /** A host of a controller with several replicas (on etcd): one join token, pinning the authority they share, works on each. */
    public ControllerClient(List<URI> controllers, String host, String joinToken) {
        if (controllers.isEmpty()) throw new IllegalArgumentException("a host needs at least one --controller URL");
        JoinCredentials credentials = JoinCredentials.parse(joinToken);
        this.controllerTrust = new PinnedTrust(credentials.controllerFingerprint());
        this.joining = client(controllerTrust.sslContext());
        this.apis = new java.util.concurrent.CopyOnWriteArrayList<>(controllers.stream().map(ControllerClient::apiBase).toList());
        this.host = host;
        this.token = credentials.secret();
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
    }

    /** The controller's API URL without a trailing slash; its host link's TLS port is asked for there. */
    static URI apiBase(URI controller) {
        if (controller.getHost() == null) throw new IllegalArgumentException("--controller '" + controller + "' is not a URL like http://10.0.0.1:8080");
        String b = controller.toString();
        return URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    }

    /**
     * Where the host link's TLS listens: the controller says so on its API port. Nothing there is trusted: whatever
     * answers on that port must present the pinned certificate before this host sends it anything.
     */
    private URI discoverTls() throws IOException, InterruptedException {
        URI api = controller();
        if ("https".equals(api.getScheme())) return api;
        HttpResponse<String> r = send(joining, HttpRequest.newBuilder(api.resolve(PREFIX + "/tls")).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        int port = JSON.readTree(r.body()).path("port").asInt(-1);
        if (port <= 0 || port > 65535) throw new IOException("the controller at " + api + " named no host-link port (" + r.body() + ")");
        String host = api.getHost().contains(":") ? "[" + api.getHost() + "]" : api.getHost();
        return URI.create("https://" + host + ":" + port);
    }

    /** The API URL of the replica this host speaks to now. */
    public URI controller() {
        return apis.get(current);
    }

    /**
     * Moves to another replica before the next join: the one named {@code leader} (host:port of its API), added to this
     * host's controllers when it was not one of them, else the next in turn. Returns whether it moved (a host of one
     * controller stays). A named leader is trusted no more than any: it must present the pinned authority's certificate.
     */
    public synchronized boolean failOver(String leader) {
        int was = current;
        int named = leader == null ? -1 : apis.stream().map(u -> u.getHost() + ":" + u.getPort()).toList().indexOf(leader);
        if (named < 0 && leader != null) named = learn(leader);
        current = named >= 0 ? named : (current + 1) % apis.size();
        return current != was;
    }

    /** Adds a replica's API address (host:port) to this host's controllers; -1 when it is no such address. */
    private int learn(String address) {
        URI api;
        try {
            api = apiBase(URI.create("http://" + address));
        } catch (IllegalArgumentException notAnAddress) {
            return -1;
        }
        if (api.getPort() <= 0) return -1;
        apis.add(api);
        return apis.size() - 1;
    }

    /** The replicas this host knows now, in the order it tries them. */
    public List<URI> controllers() {
        return List.copyOf(apis);
    }

    /** This host's credentials once it joined: the tunnels to other hosts authenticate with them. */
    public TlsIdentity identity() {
        return identity;
    }

    /** Joins with a new key pair; the certificate the controller answers with replaces any earlier one. */
    public void join(HostJoin join) throws IOException, InterruptedException {
        URI tls;
        try {
            tls = discoverTls();
        } catch (java.net.ConnectException refused) {
            // the API port is fixed: a refusal there means no controller process runs on that machine now
            throw new CannotAct(CannotAct.Reason.NOT_RUNNING, controller() + " refuses connections: no controller runs there", refused);
        }
        KeyPair key = CertificateAuthority.newKeyPair();
        // bounded like a heartbeat, so a controller that accepts but never answers cannot stall this host's beats
        HttpRequest req = post(tls, "/join", join.withPublicKey(Pem.publicKey(key.getPublic()))).timeout(Duration.ofSeconds(10)).build();
        HostAdmission admitted = JSON.readValue(send(joining, req, HttpResponse.BodyHandlers.ofString()).body(), HostAdmission.class);
        if (admitted.certificate() == null) throw new IOException("the controller admitted host " + host + " but issued it no certificate");
        X509Certificate certificate = Pem.parseCertificate(admitted.certificate());
        X509Certificate authority = controllerTrust.authority()
                .orElseThrow(() -> new IOException("the controller's certificate was not seen during the join"));
        if (!certificate.getPublicKey().equals(key.getPublic()) || !host.equals(TlsCredentials.commonName(certificate))) {
            throw new IOException("the controller issued a certificate for another key or name than host " + host + " asked for");
        }
        identity.set(new TlsCredentials(key.getPrivate(), certificate, authority));
        HttpClient before = http;
        http = client(controllerTrust.sslContext(identity.keyManager()));
        base = tls;
        // calls still on the old client finish; the next ones take the new certificate
        if (before != null) before.shutdown();
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

    private HttpRequest.Builder request(String path) throws IOException {
        URI at = base;
        if (at == null) throw new NotAdmitted("host " + host + " has not joined yet");
        return request(at, path);
    }

    private HttpRequest.Builder request(URI at, String path) {
        return HttpRequest.newBuilder(at.resolve(PREFIX + path)).header("Authorization", "Bearer " + token);
    }

    private HttpRequest.Builder post(String path, Object body) throws IOException {
        return post(request(path), body);
    }

    private HttpRequest.Builder post(URI at, String path, Object body) throws IOException {
        return post(request(at, path), body);
    }

    private static HttpRequest.Builder post(HttpRequest.Builder b, Object body) throws IOException {
        return b.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        return send(b.build(), handler);
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        return send(http, req, handler);
    }

    private <T> HttpResponse<T> send(HttpClient client, HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        HttpResponse<T> r;
        try {
            r = client.send(req, handler);
        } catch (SSLHandshakeException e) {
            PinnedTrust.Mismatch wrong = mismatch(e);
            if (wrong != null) throw new ControllerNotTrusted(req.uri().getHost() + ":" + req.uri().getPort() + ": " + wrong.getMessage(), e);
            throw e;
        }
        if (r.statusCode() >= 400) {
            Object body = r.body();
            String text = body instanceof String s ? s : body instanceof InputStream in ? new String(in.readNBytes(4096)) : "";
            if (r.statusCode() == 401) throw new NotAdmitted(text);
            if (r.statusCode() == 503 && "NotLeader".equals(errorCode(text))) throw new NotLeader(r.headers().firstValue("X-Vmrole-Leader").orElse(null), text);
            if (r.statusCode() == 503 && "StoreUnavailable".equals(errorCode(text))) throw new CannotAct(CannotAct.Reason.NO_STORE, req.uri().getHost() + ":" + req.uri().getPort() + ": " + text, null);
            throw new IOException("controller answered " + r.statusCode() + " to " + req.method() + " " + req.uri().getPath() + ": " + text);
        }
        return r;
    }

    /** The {@code error.code} of an API error body, or null when the body is no such JSON. */
    private static String errorCode(String body) {
        try {
            return JSON.readTree(body).path("error").path("code").asText(null);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static PinnedTrust.Mismatch mismatch(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PinnedTrust.Mismatch m) return m;
        }
        return null;
    }

    /** The controller did not present the certificate the join token pins: this host sends it nothing. */
    public static final class ControllerNotTrusted extends IOException {
        public ControllerNotTrusted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The replica spoken to does not lead the controller; {@link #leader()} names the one that does, when one does. */
    public static final class NotLeader extends IOException {
        private final String leader;

        public NotLeader(String leader, String message) {
            super(message);
            this.leader = leader;
        }

        /** The leader's API address (host:port), or null while none is elected. */
        public String leader() {
            return leader;
        }
    }

    /**
     * The replica answered, and its answer means it cannot declare this host down now: no controller process listens on
     * its API port, or it cannot reach its store. To act it must first take over, which gives every host a fresh grace period.
     */
    public static final class CannotAct extends IOException {
        /** Why: no controller process runs there, or the replica runs without its store. */
        public enum Reason { NOT_RUNNING, NO_STORE }

        private final Reason reason;

        public CannotAct(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** The controller does not know this host's token: it was never issued, or it was revoked. */
    public static final class NotAdmitted extends IOException {
        public NotAdmitted(String message) {
            super(message);
        }
    }
}
