package org.vmrole.storage.http;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A response kept in memory: what one sub-request of a blob batch answered. */
public final class BufferedResponse implements StorageResponse.Sink {
    private int status = 200;
    private final Map<String, Map.Entry<String, String>> headers = new LinkedHashMap<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    /** A StorageResponse that writes into this buffer. */
    public StorageResponse response() { return new StorageResponse(this); }

    @Override
    public void status(int status) { this.status = status; }

    @Override
    public int status() { return status; }

    @Override
    public void header(String name, String value) { headers.put(name.toLowerCase(Locale.ROOT), Map.entry(name, value)); }

    @Override
    public boolean hasHeader(String name) { return headers.containsKey(name.toLowerCase(Locale.ROOT)); }

    @Override
    public Collection<String> headerNames() { return headers.values().stream().map(Map.Entry::getKey).toList(); }

    @Override
    public void contentLength(long n) { header("Content-Length", String.valueOf(n)); }

    @Override
    public void contentType(String type) { header("Content-Type", type); }

    @Override
    public OutputStream body() { return body; }

    @Override
    public boolean committed() { return false; }

    /** The headers in the order they were first set, with their original spelling. */
    public List<Map.Entry<String, String>> headers() { return List.copyOf(headers.values()); }

    public String bodyText() { return body.toString(StandardCharsets.UTF_8); }
}
