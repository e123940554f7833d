package org.vmrole.api;

/** A request the client got wrong (or may not make), carried to the error body {@code {"error":{code,message,target}}}. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String target;

    public ApiException(int status, String code, String message, String target) {
        super(message);
        if (status < 400 || status > 499) throw new IllegalArgumentException("ApiException is for client errors (4xx), got " + status);
        this.status = status;
        this.code = code;
        this.target = target;
    }

    public static ApiException badRequest(String code, String message, String target) {
        return new ApiException(400, code, message, target);
    }

    /** Also what another tenant's resource looks like: it does not exist for you. */
    public static ApiException notFound(String kind, String name) {
        return new ApiException(404, kind + "NotFound", kind.toLowerCase(java.util.Locale.ROOT) + " '" + name + "' does not exist", name);
    }

    public static ApiException conflict(String code, String message, String target) {
        return new ApiException(409, code, message, target);
    }

    public static ApiException forbidden(String code, String message, String target) {
        return new ApiException(403, code, message, target);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "Unauthorized", message, "Authorization");
    }

    public int status() { return status; }

    public String code() { return code; }

    public String target() { return target; }

    public ApiError toError() { return new ApiError(code, getMessage(), target); }
}
