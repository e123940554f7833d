package org.vmrole.storage.http;

import org.vmrole.storage.AccountDirectory;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.storage.RandomIds;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.auth.Authenticator;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Entry point of every REST call: picks the service by port, stamps the headers Azure puts on every
 * response (errors included), answers CORS, checks version and auth, renders errors. Blob batch
 * sub-requests come back through {@link #dispatch} so they are treated exactly like calls of their own.
 */
public final class StorageHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(StorageHandler.class);

    private final Map<Integer, Service> services = new ConcurrentHashMap<>();
    private final Map<Service, ServiceApi> apis;
    private final Authenticator authenticator;
    private final AccountDirectory accounts;
    private final RequestsInProgress inProgress;

    public StorageHandler(Map<Service, ServiceApi> apis, Authenticator authenticator, AccountDirectory accounts, RequestsInProgress inProgress) {
        this.apis = apis;
        this.authenticator = authenticator;
        this.accounts = accounts;
        this.inProgress = inProgress;
    }

    /** Binds a listening port to the service it serves (ports are known only after the connectors start). */
    public void bind(int port, Service service) {
        services.put(port, service);
    }

    /**
     * Jetty's core API rather than a servlet: the storage service needs none of the servlet layer (sessions,
     * contexts, path mapping, its own output buffering), and skipping it is a measured share of the CPU of a
     * small call (BENCHMARKS.md, "Server CPU per operation").
     */
    @Override
    public boolean handle(Request req, Response resp, Callback callback) {
        Service service = services.get(Request.getLocalPort(req));
        if (service == null) {
            Response.writeError(req, resp, callback, 404);
            return true;
        }
        inProgress.enter(service);
        try (ResponseStream body = new ResponseStream(resp)) {
            dispatch(service, () -> new StorageRequest(JettyExchange.source(req), service, req.getHttpURI().getPath(), req.getHttpURI().getQuery()),
                    req.getMethod(), name -> req.getHeaders().get(name), new StorageResponse(JettyExchange.sink(resp, body)));
        } catch (Throwable t) {
            callback.failed(t);
            return true;
        } finally {
            inProgress.exit(service);
        }
        callback.succeeded();
        return true;
    }

    /** Runs one call: {@code request} is built inside so a malformed URI is answered like any other error. */
    void dispatch(Service service, Supplier<StorageRequest> requestOf, String method, Function<String, String> header,
                  StorageResponse response) {
        ServiceApi api = apis.get(service);
        String requestId = RandomIds.uuid();
        response.header("x-ms-request-id", requestId).header("Server", "vmrole-storage")
                .header("x-ms-client-request-id", header.apply("x-ms-client-request-id"))
                .date("Date", Instant.now());
        StorageRequest request = null;
        try {
            response.header("x-ms-version", ApiVersion.check(header.apply("x-ms-version")));
            request = requestOf.get();
            if (!accounts.serves(request.account())) {
                throw new StorageException(400, "InvalidUri", "The requested URI does not represent any resource on the server: unknown account '" + request.account() + "'.");
            }
            if ("OPTIONS".equals(method)) {
                // a preflight carries no credentials: it is answered from the service's rules alone
                Cors.preflight(api.properties().cors(request.account()), header.apply("Origin"),
                        header.apply("Access-Control-Request-Method"), header.apply("Access-Control-Request-Headers"))
                        .forEach(response::header);
                response.empty(200);
                return;
            }
            String origin = header.apply("Origin");
            if (origin != null) {
                List<CorsRule> rules = api.properties().cors(request.account());
                response.beforeCommit(() -> Cors.actual(rules, origin, method, List.copyOf(response.headerNames())).forEach(response::header));
            }
            Access access = authenticator.authenticate(request);
            if (service == Service.BLOB && BlobBatch.isBatch(request)) {
                new BlobBatch(this).execute(request, access, response);
            } else if (!ServiceEndpoints.handle(request, access, api, response)) {
                api.handle(request, access, response);
            }
        } catch (StorageException e) {
            writeError(method, header, request, response, api.errorFormat(), e, requestId);
        } catch (Exception e) {
            LOG.error("request {} {} failed", method, request == null ? "" : request.rawPath(), e);
            writeError(method, header, request, response, api.errorFormat(),
                    new StorageException(500, "InternalError", "The server encountered an internal error. Please retry the request."), requestId);
        } finally {
            response.complete();
        }
    }

    /** Answers {@code e} in the service's error format (a batch reports a malformed body this way). */
    static void writeError(String method, Function<String, String> header, StorageRequest request, StorageResponse response,
                           ServiceApi.ErrorFormat format, StorageException e, String requestId) {
        if (response.committed()) return;
        response.status(e.status()).header("x-ms-error-code", e.code());
        if ("HEAD".equals(method)) {
            response.contentLength(0);
            return;
        }
        String message = e.getMessage() + "\nRequestId:" + requestId + "\nTime:" + Instant.now();
        String accept = request != null && request.param("$format") != null ? request.param("$format") : header.apply("Accept");
        if (format == ServiceApi.ErrorFormat.JSON && !wantsXml(accept)) {
            response.body(String.format("application/json;odata=%s;streaming=true;charset=utf-8", jsonLevel(accept)),
                    "{\"odata.error\":{\"code\":" + Json.quote(e.code()) + ",\"message\":{\"lang\":\"en-US\",\"value\":" + Json.quote(message) + "}}}");
        } else if (format == ServiceApi.ErrorFormat.JSON) {
            response.body("application/xml;charset=utf-8", XmlWriter.document().start("error")
                    .attribute("xmlns", "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata")
                    .element("code", e.code()).element("message", message).end().finish());
        } else {
            response.body("application/xml", XmlWriter.document().start("Error").element("Code", e.code()).element("Message", message).end().finish());
        }
    }

    private static boolean wantsXml(String accept) {
        return accept != null && (accept.contains("application/atom+xml") || accept.contains("application/xml")) && !accept.contains("json");
    }

    private static String jsonLevel(String accept) {
        if (accept == null) return "minimalmetadata";
        if (accept.contains("nometadata")) return "nometadata";
        if (accept.contains("fullmetadata")) return "fullmetadata";
        return "minimalmetadata";
    }
}
