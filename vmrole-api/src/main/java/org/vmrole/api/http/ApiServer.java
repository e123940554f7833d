package org.vmrole.api.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.api.ApiError;
import org.vmrole.api.ApiException;
import org.vmrole.api.auth.Principal;
import org.vmrole.fabric.controller.HostNotAdmitted;
import org.vmrole.fabric.controller.NoSuchTarget;
import org.vmrole.fabric.controller.NotLeader;
import org.vmrole.fabric.controller.RequestConflict;
import org.vmrole.fabric.store.RevisionConflict;
import org.vmrole.fabric.store.StoreUnavailable;
import org.vmrole.image.ImageInUseException;
import org.vmrole.image.ImageNameTakenException;
import org.vmrole.image.ImageRepositoryException;
import org.vmrole.image.ImageStorageException;
import org.vmrole.model.blob.BlobStorageException;
import org.vmrole.image.NoSuchImageException;
import org.vmrole.image.UploadOffsetException;

/**
 * The management API's HTTP edge: authenticates each route as its {@link Access} says, turns every failure
 * into {@code {"error":{code,message,target}}}, and serves {@code /openapi.json} from the same route list.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final Javalin app;
    private final List<Route> routes;
    private volatile String bindHost;
    private volatile int bindPort;
    private volatile int requestedTlsPort;
    private volatile ServerConnector hostLinkConnector;

    public ApiServer(ObjectMapper json, Authenticator authenticator, List<Route> apiRoutes) {
        this(json, authenticator, apiRoutes, null);
    }

    /**
     * @param tls when not null, a second port speaks TLS with it (see {@link #tlsPort()}): the host link runs over it,
     *            asking for a client certificate, while the CLI and browsers keep the plain port
     */
    public ApiServer(ObjectMapper json, Authenticator authenticator, List<Route> apiRoutes, SSLContext tls) {
        List<Route> all = new ArrayList<>(apiRoutes);
        all.add(new Route(HandlerType.GET, "/openapi.json", Access.PUBLIC, "This document", 200, (ctx, who) -> ctx.json(openApi())));
        this.routes = List.copyOf(all);
        this.app = Javalin.create(cfg -> {
            cfg.jsonMapper(new RequestJson(json));
            cfg.http.prefer405over404 = true;
            cfg.startup.showJavalinBanner = false;
            // Jetty reads request bodies 8 KiB at a time by default: an image upload (GiBs in one body) then spends
            // more CPU on reads than on its disk writes; 64 KiB is still a pooled buffer
            cfg.jetty.modifyHttpConfiguration(http -> http.setInputBufferSize(64 * 1024));
            if (tls != null) {
                // the API keeps its plain port; the host link gets a TLS port of its own beside it
                cfg.jetty.addConnector(this::plainConnector);
                cfg.jetty.addConnector((server, http) -> tlsConnector(server, http, tls));
            }
            JsonErrorPages errorPages = new JsonErrorPages(json);
            cfg.jetty.modifyServer(server -> server.setErrorHandler(errorPages));
            cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(errorPages));
            for (Route r : routes) {
                cfg.routes.addEndpoint(new Endpoint(r.method(), r.path(), ctx -> {
                    Principal who = authorize(r.access(), ctx, authenticator);
                    ctx.pathParamMap().forEach((name, value) -> NameRule.PATH_PARAMETERS.getOrDefault(name, NameRule.ID).require(value, name));
                    String subscription = ctx.queryParam("subscription");
                    if (subscription != null && !subscription.isBlank()) NameRule.SUBSCRIPTION.require(subscription, "subscription");
                    r.handler().handle(ctx, who);
                }));
            }
            cfg.routes.exception(ApiException.class, (e, ctx) -> respond(ctx, e.status(), e.toError()));
            cfg.routes.exception(JacksonException.class, (e, ctx) -> respond(ctx, 400,
                    new ApiError("InvalidJson", "the request body is not valid JSON for this call: " + e.getOriginalMessage(), "body")));
            cfg.routes.exception(IllegalArgumentException.class, (e, ctx) -> respond(ctx, 400,
                    new ApiError("InvalidArgument", e.getMessage(), null)));
            cfg.routes.exception(RevisionConflict.class, (e, ctx) -> {
                String what = e.key().startsWith("/api/") ? e.key().substring(5) : e.key();
                respond(ctx, 409, new ApiError("Conflict", "another request changed '" + what + "' at the same moment; nothing of this request was applied: "
                        + "read it again and retry", what));
            });
            // the store (etcd without quorum) cannot answer: the caller may retry once it is back; nothing to fix in the request
            cfg.routes.exception(StoreUnavailable.class, (e, ctx) -> {
                ctx.header("Retry-After", "5");
                respond(ctx, 503, new ApiError("StoreUnavailable", e.getMessage(), null));
            });
            // a host beat to a replica that does not lead: the header tells it where the leader is
            cfg.routes.exception(NotLeader.class, (e, ctx) -> {
                e.leader().ifPresent(leader -> ctx.header("X-Vmrole-Leader", leader));
                respond(ctx, 503, new ApiError("NotLeader", e.getMessage(), null));
            });
            cfg.routes.exception(NoSuchTarget.class, (e, ctx) -> respond(ctx, 404, new ApiError("NotFound", e.getMessage(), null)));
            cfg.routes.exception(RequestConflict.class, (e, ctx) -> respond(ctx, 409, new ApiError("Conflict", e.getMessage(), null)));
            cfg.routes.exception(HostNotAdmitted.class, (e, ctx) -> respond(ctx, 401, new ApiError("HostNotAdmitted", e.getMessage(), "Authorization")));
            cfg.routes.exception(NoSuchImageException.class, (e, ctx) -> respond(ctx, 404, new ApiError("ImageNotFound", e.getMessage(), null)));
            cfg.routes.exception(ImageInUseException.class, (e, ctx) -> respond(ctx, 409, new ApiError("ImageInUse", e.getMessage(), null)));
            cfg.routes.exception(UploadOffsetException.class, (e, ctx) -> respond(ctx, 409, new ApiError("WrongOffset", e.getMessage(), "offset")));
            cfg.routes.exception(ImageNameTakenException.class, (e, ctx) -> respond(ctx, 409, new ApiError("ImageExists", e.getMessage(), "name")));
            cfg.routes.exception(ImageRepositoryException.class, (e, ctx) -> respond(ctx, 400, new ApiError("ImageRejected", e.getMessage(), null)));
            cfg.routes.exception(ImageStorageException.class, (e, ctx) -> respond(ctx, 503, new ApiError("ImageStorageUnavailable", e.getMessage(), null)));
            cfg.routes.exception(BlobStorageException.class, (e, ctx) -> {
                if (e.status() != 0 && e.status() < 500) {
                    log.error("the Blob service refused a call made for {} {}", ctx.method(), ctx.path(), e);
                    respond(ctx, 500, new ApiError("InternalError", "the server failed on this request; see the server log", null));
                    return;
                }
                respond(ctx, 503, new ApiError("StorageUnavailable", "the Blob service did not answer (" + e.getMessage() + "); nothing was lost, try again later", null));
            });
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                switch (e.getStatus()) {
                    case 404 -> noRoute(ctx);
                    case 405 -> methodNotAllowed(ctx);
                    case 413 -> respond(ctx, 413, new ApiError("RequestTooLarge", "the request body is over the API's limit (" + e.getMessage()
                            + "); image bytes go to PUT /images/uploads/ID in chunks", "body"));
                    default -> respond(ctx, e.getStatus(), new ApiError("BadRequest", e.getMessage(), null));
                }
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                HttpException refused = refusedByJetty(e);
                if (refused != null) {
                    respond(ctx, refused.getCode(), new ApiError("BadRequest", "the request body could not be read: " + refused.getReason()
                            + " (send one valid Content-Length, or well-formed chunks)", "body"));
                    return;
                }
                // a long poll abandoned because its request ended (LongPoll): nobody is left to answer
                if (e instanceof CancellationException) return;
                log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                respond(ctx, 500, new ApiError("InternalError", "the server failed on this request; see the server log", null));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) noRoute(ctx);
            });
            cfg.routes.error(405, this::methodNotAllowed);
        });
    }

    /** Jetty's refusal of a body (a bad chunk, a body shorter than its Content-Length) somewhere in the causes, if any. */
    private static HttpException refusedByJetty(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) return h;
        }
        return null;
    }

    private static void noRoute(Context ctx) {
        respond(ctx, 404, new ApiError("NotFound", "no route " + ctx.method() + " " + NameRule.shown(ctx.path()) + "; see /openapi.json", "path"));
    }

    private void methodNotAllowed(Context ctx) {
        String allowed = String.join(", ", allowedMethods(ctx.path()));
        ctx.header("Allow", allowed);
        respond(ctx, 405, new ApiError("MethodNotAllowed", ctx.method() + " is not allowed on " + ctx.path() + "; it takes " + allowed
                + " (see /openapi.json)", ctx.path()));
    }

    /** The methods some route takes on this path: what a 405 lists in {@code Allow}. */
    List<String> allowedMethods(String path) {
        String[] given = path.split("/", -1);
        return routes.stream().filter(r -> {
            String[] template = r.path().split("/", -1);
            if (template.length != given.length) return false;
            for (int i = 0; i < template.length; i++) {
                boolean param = template[i].startsWith("{") && !given[i].isEmpty();
                if (!param && !template[i].equals(given[i])) return false;
            }
            return true;
        }).map(r -> r.method().name()).distinct().sorted().toList();
    }

    private static Principal authorize(Access access, Context ctx, Authenticator authenticator) {
        if (access == Access.PUBLIC || access == Access.HOST) return null;
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("send an API key as 'Authorization: Bearer <key>' (CLI: ./vmrole login, or VMROLE_KEY)");
        }
        Principal who = authenticator.authenticate(header.substring(7).trim())
                .orElseThrow(() -> ApiException.unauthorized("the API key is unknown or revoked; create a new one with ./vmrole key create"));
        if (access == Access.ADMIN && !who.administrator()) {
            throw ApiException.forbidden("AdministratorOnly", "only the administrator key may call " + ctx.method() + " " + ctx.path(), null);
        }
        return who;
    }

    private static void respond(Context ctx, int status, ApiError error) {
        ctx.status(status).json(Map.of("error", error));
    }

    public Map<String, Object> openApi() {
        return OpenApiDocument.of("vmrole management API", "1", routes);
    }

    public List<Route> routes() { return routes; }

    /** The endpoints Javalin really serves, for the test that checks the document covers them all. */
    public List<String> servedRoutes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(p -> p.endpoint.method.name() + " " + p.endpoint.path).toList();
    }

    /** The API's own plain connector, as Javalin would make it. */
    private ServerConnector plainConnector(Server server, HttpConfiguration http) {
        ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
        c.setHost(bindHost);
        c.setPort(bindPort);
        return c;
    }

    /** The host link's TLS connector: it asks every client for a certificate and exposes it to the routes. */
    private ServerConnector tlsConnector(Server server, HttpConfiguration plain, SSLContext tls) {
        HttpConfiguration http = new HttpConfiguration(plain);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // hosts dial the controller by IP address and pin its certificate: there is no name to check it against
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        SslContextFactory.Server factory = new SslContextFactory.Server();
        factory.setSslContext(tls);
        factory.setWantClientAuth(true);
        HttpConnectionFactory https = new HttpConnectionFactory(http);
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(factory, https.getProtocol()), https);
        c.setHost(bindHost);
        c.setPort(requestedTlsPort);
        hostLinkConnector = c;
        return c;
    }

    /** The port the TLS connector listens on (the host link), or -1 when this server has none. */
    public int tlsPort() {
        ServerConnector c = hostLinkConnector;
        return c == null ? -1 : c.getLocalPort();
    }

    /** Where the TLS connector listens: 0 (the default) picks a free port. Call before {@link #start}. */
    public ApiServer tlsPort(int port) {
        this.requestedTlsPort = port;
        return this;
    }

    public ApiServer start(String host, int port) {
        bindHost = host;
        bindPort = port;
        app.start(host, port);
        return this;
    }

    public int port() { return app.port(); }

    @Override
    public void close() { app.stop(); }
}
