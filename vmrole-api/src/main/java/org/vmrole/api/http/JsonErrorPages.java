package org.vmrole.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.vmrole.api.ApiError;

/**
 * Jetty's own refusals (a URI it cannot decode, a bad Content-Length or chunk, a header too large, an HTTP version it
 * does not speak) written as the API's {@code {"error":{code,message,target}}} instead of Jetty's HTML page. Installed
 * on the server (for what the HTTP parser refuses) and on the servlet context (for what is refused before a route).
 */
final class JsonErrorPages extends ErrorHandler {
    private final ObjectMapper json;

    JsonErrorPages(ObjectMapper json) {
        this.json = json;
    }

    /** The body a refused request gets: its code names the HTTP status, its message Jetty's reason and what to do. */
    byte[] body(int status, String reason) {
        String what = switch (status) {
            case 400 -> "BadRequest";
            case 413 -> "RequestTooLarge";
            case 414 -> "UriTooLong";
            case 431 -> "HeaderTooLarge";
            case 505 -> "HttpVersionNotSupported";
            default -> "HttpError" + status;
        };
        String message = "the request was refused before it reached the API: " + (reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason)
                + switch (status) {
                    case 400 -> " (send a well-formed HTTP/1.1 request: a percent-encoded UTF-8 path without '..', %00 or '%2F', and one valid Content-Length)";
                    case 431 -> " (send fewer or shorter headers)";
                    case 505 -> " (speak HTTP/1.1)";
                    default -> "";
                };
        try {
            return json.writeValueAsBytes(Map.of("error", new ApiError(what, message, null)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an error body", e);
        }
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }
}
