package org.vmrole.model.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;

/**
 * A ranged Get Blob as one blocking HTTP/1.1 exchange ({@link HttpURLConnection}, whose connections the JDK keeps alive
 * and reuses), its body read from the socket straight into the caller's array on the caller's thread. The JDK's
 * {@code java.net.http.HttpClient} hands a body over from its selector thread in 16 KiB buffers, waking that thread
 * for each: for a drive's sequential reads this hand-over cost more than the bytes (BENCHMARKS.md, drives).
 */
final class RangedGet {
    private RangedGet() {}

    /** How the body is taken from the socket's stream: answers the bytes read (more than asked: length + 1). */
    interface Body {
        int read(InputStream in, int length) throws IOException;
    }

    /** Reads {@code length} bytes into the start of {@code body}; a status other than 206/200 or a short body throws. */
    static byte[] read(PageBlobClient blob, PageBlobClient.Request request, long offset, int length, byte[] body) {
        read(blob, request, offset, length, (in, n) -> PageBlobClient.readBody(in, body, n));
        return body;
    }

    /** Reads {@code length} bytes into {@code body} through {@code reader}; a status other than 206/200 or a short body throws. */
    static void read(PageBlobClient blob, PageBlobClient.Request request, long offset, int length, Body body) {
        HttpURLConnection c;
        int status;
        try {
            c = BlockingExchange.open(request);
            status = c.getResponseCode();
        } catch (IOException e) {
            throw blob.unreachable("GET", e);
        }
        if (status != 206 && status != 200) throw BlockingExchange.refusal(blob, request, c, status);
        int got;
        // read to the end of the body: only a body read to its end returns the connection to the keep-alive pool
        try (InputStream in = c.getInputStream()) {
            got = body.read(in, length);
        } catch (IOException e) {
            c.disconnect(); // a connection that failed mid-body is not reused
            throw blob.unreachable("GET", e);
        }
        if (got != length) throw blob.shortRead(status, offset, length, got);
    }
}
