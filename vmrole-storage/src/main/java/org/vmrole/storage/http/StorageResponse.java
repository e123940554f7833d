package org.vmrole.storage.http;

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
        if (t != null) raw.header(name, rfc1123(t));
        return this;
    }

    /** The last second formatted: every response carries a Date, and most fall in the same second. */
    private static volatile Map.Entry<Long, String> lastSecond = Map.entry(Long.MIN_VALUE, "");

    static String rfc1123(Instant t) {
        Map.Entry<Long, String> last = lastSecond;
        if (last.getKey() == t.getEpochSecond()) return last.getValue();
        String s = RFC1123.format(t);
        lastSecond = Map.entry(t.getEpochSecond(), s);
        return s;
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
