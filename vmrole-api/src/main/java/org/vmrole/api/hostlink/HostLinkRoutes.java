package org.vmrole.api.hostlink;

import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;

import io.javalin.http.Context;
import java.io.InputStream;
import java.util.List;
import org.vmrole.api.ApiException;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.http.Route;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.controller.HostRegistration;
import org.vmrole.model.host.HostAssignments;
import org.vmrole.model.host.HostHeartbeat;
import org.vmrole.model.host.HostJoin;
import org.vmrole.model.host.HostRequest;
import org.vmrole.api.http.LongPoll;
import org.vmrole.api.http.QueryParams;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntSupplier;
import org.vmrole.fabric.model.Host;
import org.vmrole.model.host.HostAdmission;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.JoinCredentials;
import org.vmrole.model.tls.Pem;

/**
 * The controller's side of the host protocol: hosts join and beat with the join token the controller issued,
 * and fetch images by digest. Every call checks the token, so a revoked host reads nothing; over TLS every call
 * after the join also presents the certificate issued at join ({@link HostLinkCaller}).
 */
public final class HostLinkRoutes {
    public static final String PREFIX = "/hostlink/v1";
    /** A host joins again (a new key, a new certificate) every day: a certificate lasts a week, so a missed rejoin is no outage. */
    public static final Duration CERTIFICATE_LIFETIME = Duration.ofDays(7);

    private HostLinkRoutes() {}

    /** Opens an image's stored qcow2 by digest; empty when there is none. */
    @FunctionalInterface
    public interface ImageBlobs {
        InputStream open(String digest) throws java.io.IOException;
    }

    /** What {@code GET /hostlink/v1/tls} answers: where the host link's TLS listens. */
    public record TlsPort(int port) {}

    /**
     * @param credentials fills in what an assignment carries only on its way to the host (drives' current account keys)
     * @param wanted      the images hosts should warm ahead of need, sent with the assignments (see {@link WantedImages})
     */
    public static List<Route> of(FabricController fabric, ImageBlobs images, InstanceEndpoints endpoints, HostRequests requests,
                                 CertificateAuthority authority, IntSupplier tlsPort,
                                 java.util.function.UnaryOperator<org.vmrole.model.host.Assignment> credentials,
                                 java.util.function.Supplier<List<org.vmrole.model.host.WantedImage>> wanted) {
        AssignmentReplies replies = new AssignmentReplies(credentials, wanted);
        return List.of(
                // no secret here: a host checks whatever answers on that port against the fingerprint its token pins
                new Route(GET, PREFIX + "/tls", Access.PUBLIC, "Where the host link's TLS listens (a host asks before it joins)", 200,
                        (ctx, who) -> ctx.json(new TlsPort(tlsPort.getAsInt()))),
                Route.taking(POST, PREFIX + "/join", Access.HOST, "A host joins (or rejoins) with its join token and a fresh public key;"
                        + " answered with a certificate for that key", 200, HostJoin.class, false, (ctx, who, join) -> {
                    if (join.host() == null || join.capacity() == null) {
                        throw ApiException.badRequest("MissingField", "a join gives 'host', 'faultDomain' and 'capacity'", "body");
                    }
                    NameRule.HOST.require(join.host(), "host");
                    HostLinkCaller.of(ctx).require(join.host(), true);
                    fabric.requireAdmitted(join.host(), token(ctx));
                    var hostKey = join.publicKey() == null ? null : Pem.parsePublicKey(join.publicKey());
                    HostReachability.require(join.host(), join.address(), join.networkAddress());
                    Host host = fabric.registerHost(token(ctx), new HostRegistration(join.host(), join.capacity(), join.faultDomain(),
                            join.networkAddress(), join.address()));
                    String certificate = hostKey == null ? null
                            : Pem.certificate(authority.issue(host.name(), hostKey, Instant.now(), CERTIFICATE_LIFETIME));
                    ctx.json(new HostAdmission(host.name(), host.faultDomain(), certificate));
                }),
                Route.taking(POST, PREFIX + "/heartbeat", Access.HOST, "A host reports what it runs; answered with its assignments when they changed", 200,
                        HostHeartbeat.class, false, (ctx, who, beat) -> {
                            if (beat.host() == null) throw ApiException.badRequest("MissingField", "a heartbeat names its 'host'", "host");
                            NameRule.HOST.require(beat.host(), "host");
                            HostLinkCaller.of(ctx).require(beat.host(), false);
                            for (int i = 0; i < beat.instances().size(); i++) {
                                var o = beat.instances().get(i);
                                if (o.key() == null || o.state() == null) {
                                    throw ApiException.badRequest("MissingField", "every observed instance gives its 'key' and 'state'; instances[" + i
                                            + "] lacks " + (o.key() == null ? "'key'" : "'state'"), "instances[" + i + "]");
                                }
                            }
                            var reply = replies.reply(beat.host(), fabric.heartbeat(beat.host(), token(ctx), beat.instances(), beat.knownAssignmentsVersion()));
                            endpoints.reported(beat.host(), beat.endpoints());
                            reply.ifPresentOrElse(ctx::json, () -> ctx.status(204));
                        }),
                new Route(GET, PREFIX + "/requests", Access.HOST, "A host waits (?wait=SECONDS, 0-30) for the controller's questions about its"
                        + " instances; answered with the list, empty when none came", 200, (ctx, who) -> {
                    String host = admittedHost(ctx, fabric);
                    int wait = QueryParams.intParam(ctx, "wait", 20, 0, 30);
                    LongPoll.answer(ctx, requests.next(host, Duration.ofSeconds(wait)));
                }),
                new Route(POST, PREFIX + "/requests/{id}", Access.HOST, "A host answers one question (text, at most 1 MiB)", 204, (ctx, who) -> {
                    String host = admittedHost(ctx, fabric);
                    byte[] text = ctx.bodyInputStream().readNBytes(HostRequest.MAX_ANSWER_BYTES + 1);
                    if (text.length > HostRequest.MAX_ANSWER_BYTES) {
                        throw new ApiException(413, "AnswerTooLarge", "an answer holds at most " + HostRequest.MAX_ANSWER_BYTES + " bytes", "body");
                    }
                    if (!requests.answer(host, ctx.pathParam("id"), new String(text, StandardCharsets.UTF_8))) {
                        throw ApiException.notFound("Request", ctx.pathParam("id"));
                    }
                    ctx.status(204);
                }),
                new Route(GET, PREFIX + "/images/{digest}", Access.HOST, "A host fetches a base image (qcow2) by digest", 200, (ctx, who) -> {
                    admittedHost(ctx, fabric);
                    InputStream in = images.open(ctx.pathParam("digest"));
                    ctx.contentType("application/octet-stream").result(in);
                }));
    }

    /** The host a request comes from, named in X-Vmrole-Host and proven by its certificate (over TLS) and its join token. */
    private static String admittedHost(Context ctx, FabricController fabric) {
        String host = ctx.header("X-Vmrole-Host");
        if (host == null) throw ApiException.badRequest("MissingHeader", "name the host in the X-Vmrole-Host header", "X-Vmrole-Host");
        HostLinkCaller.of(ctx).require(host, false);
        fabric.requireAdmitted(host, token(ctx));
        return host;
    }

    private static String token(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("a host sends its join token as 'Authorization: Bearer <token>'");
        }
        String given = h.substring(7).trim();
        // the token as './vmrole host token' prints it carries the controller's fingerprint: the secret is its last part
        if (given.startsWith("v1.")) {
            try {
                return JoinCredentials.parse(given).secret();
            } catch (IllegalArgumentException notOne) {
                return given;
            }
        }
        return given;
    }
}
