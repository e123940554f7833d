package org.vmrole.storage.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.auth.Authenticator;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Entry point of every REST call: picks the service by port, checks version and auth, renders errors. */
public final class StorageServlet extends HttpServlet {
    private static final Logger LOG = LoggerFactory.getLogger(StorageServlet.class);

    private final Map<Integer, Service> services = new ConcurrentHashMap<>();
    private final transient Map<Service, ServiceApi> apis;
    private final transient Authenticator authenticator;
    private final Set<String> accounts;

    public StorageServlet(Map<Service, ServiceApi> apis, Authenticator authenticator, Set<String> accounts) {
        this.apis = apis;
        this.authenticator = authenticator;
        this.accounts = accounts;
    }

    /** Binds a listening port to the service it serves (ports are known only after the connectors start). */
    public void bind(int port, Service service) {
        services.put(port, service);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Service service = services.get(req.getLocalPort());
        if (service == null) {
            resp.sendError(404);
            return;
        }
        ServiceApi api = apis.get(service);
        StorageResponse response = new StorageResponse(resp);
        String requestId = UUID.randomUUID().toString();
        response.header("x-ms-request-id", requestId).header("Server", "vmrole-storage")
                .date("Date", Instant.now());
        try {
            response.header("x-ms-version", ApiVersion.check(req.getHeader("x-ms-version")));
            StorageRequest request = new StorageRequest(req, service);
            if (!accounts.contains(request.account())) {
                throw new StorageException(400, "InvalidUri", "The requested URI does not represent any resource on the server: unknown account '" + request.account() + "'.");
            }
            Access access = authenticator.authenticate(request);
            api.handle(request, access, response);
        } catch (StorageException e) {
            writeError(req, response, api.errorFormat(), e, requestId);
        } catch (Exception e) {
            LOG.error("request {} {} failed", req.getMethod(), req.getRequestURI(), e);
            writeError(req, response, api.errorFormat(),
                    new StorageException(500, "InternalError", "The server encountered an internal error. Please retry the request."), requestId);
        }
    }

    private static void writeError(HttpServletRequest req, StorageResponse response, ServiceApi.ErrorFormat format,
                                   StorageException e, String requestId) {
        if (response.committed()) return;
        response.status(e.status()).header("x-ms-error-code", e.code());
        if ("HEAD".equals(req.getMethod())) {
            response.contentLength(0);
            return;
        }
        String message = e.getMessage() + "\nRequestId:" + requestId + "\nTime:" + Instant.now();
        if (format == ServiceApi.ErrorFormat.JSON) {
            response.body("application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
                    "{\"odata.error\":{\"code\":" + Json.quote(e.code()) + ",\"message\":{\"lang\":\"en-US\",\"value\":" + Json.quote(message) + "}}}");
        } else {
            response.body("application/xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + Xml.escape(e.code())
                    + "</Code><Message>" + Xml.escape(message) + "</Message></Error>");
        }
    }
}
