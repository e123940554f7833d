package org.vmrole.storage.http;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** The response side of a REST call: status, headers and a streamed body. */
public final class StorageResponse {
    public static final DateTimeFormatter RFC1123 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final HttpServletResponse raw;
    private Runnable beforeCommit;

    public StorageResponse(HttpServletResponse raw) {
        this.raw = raw;
    }

    /** Runs once, just before the status and headers go out (CORS needs the final header names). */
    public void beforeCommit(Runnable hook) {
        this.beforeCommit = hook;
    }

    /** Fires the before-commit hook if nothing was written yet; the servlet calls this when a call ends. */
    public void complete() {
        if (beforeCommit != null) {
            Runnable hook = beforeCommit;
            beforeCommit = null;
            if (!raw.isCommitted()) hook.run();
        }
    }

    public java.util.Collection<String> headerNames() { return raw.getHeaderNames(); }

    public StorageResponse status(int status) {
        raw.setStatus(status);
        return this;
    }

    public StorageResponse header(String name, String value) {
        if (value != null) raw.setHeader(name, value);
        return this;
    }

    public StorageResponse date(String name, Instant t) {
        if (t != null) raw.setHeader(name, RFC1123.format(t));
        return this;
    }

    public StorageResponse metadata(Map<String, String> meta) {
        meta.forEach((k, v) -> raw.setHeader("x-ms-meta-" + k, v));
        return this;
    }

    public StorageResponse contentLength(long n) {
        raw.setContentLengthLong(n);
        return this;
    }

    public void body(String contentType, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        raw.setContentType(contentType);
        raw.setContentLength(bytes.length);
        complete();
        try (OutputStream out = raw.getOutputStream()) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void empty(int status) {
        raw.setStatus(status);
        if (!raw.containsHeader("Content-Length")) raw.setContentLength(0);
        complete();
    }

    public OutputStream stream() {
        complete();
        try {
            return raw.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean committed() { return raw.isCommitted(); }

    public void reset() { raw.reset(); }
}
