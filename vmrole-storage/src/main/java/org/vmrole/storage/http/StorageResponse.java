package org.vmrole.storage.http;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** The response side of a REST call: status, headers and a streamed body, to the client or into a batch. */
public final class StorageResponse {
    public static final DateTimeFormatter RFC1123 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** Where status, headers and body go. */
    interface Sink {
        void status(int status);

        int status();

        void header(String name, String value);

        boolean hasHeader(String name);

        Collection<String> headerNames();

        void contentLength(long n);

        void contentType(String type);

        OutputStream body() throws IOException;

        boolean committed();
    }

    private final Sink raw;
    private Runnable beforeCommit;

    public StorageResponse(HttpServletResponse raw) {
        this(new Sink() {
            public void status(int status) { raw.setStatus(status); }

            public int status() { return raw.getStatus(); }

            public void header(String name, String value) { raw.setHeader(name, value); }

            public boolean hasHeader(String name) { return raw.containsHeader(name); }

            public Collection<String> headerNames() { return raw.getHeaderNames(); }

            public void contentLength(long n) { raw.setContentLengthLong(n); }

            public void contentType(String type) { raw.setContentType(type); }

            public OutputStream body() throws IOException { return raw.getOutputStream(); }

            public boolean committed() { return raw.isCommitted(); }
        });
    }

    StorageResponse(Sink raw) {
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
            if (!raw.committed()) hook.run();
        }
    }

    public Collection<String> headerNames() { return raw.headerNames(); }

    public int statusCode() { return raw.status(); }

    public StorageResponse status(int status) {
        raw.status(status);
        return this;
    }

    public StorageResponse header(String name, String value) {
        if (value != null) raw.header(name, value);
        return this;
    }

    public StorageResponse date(String name, Instant t) {
        if (t != null) raw.header(name, RFC1123.format(t));
        return this;
    }

    public StorageResponse metadata(Map<String, String> meta) {
        meta.forEach((k, v) -> raw.header("x-ms-meta-" + k, v));
        return this;
    }

    public StorageResponse contentLength(long n) {
        raw.contentLength(n);
        return this;
    }

    public void body(String contentType, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        raw.contentType(contentType);
        raw.contentLength(bytes.length);
        complete();
        try (OutputStream out = raw.body()) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void empty(int status) {
        raw.status(status);
        if (!raw.hasHeader("Content-Length")) raw.contentLength(0);
        complete();
    }

    public OutputStream stream() {
        complete();
        try {
            return raw.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean committed() { return raw.committed(); }
}
