package org.vmrole.model.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;

/**
 * A ranged Get Blob as one blocking HTTP/1.1 exchange ({@link HttpURLConnection}, whose connections the JDK keeps alive
 * and reuses), its body read from the socket straight into the caller's array on the caller's thread. The JDK's
 * {@code java.net.http.HttpClient} hands a body over from its selector thread in 16 KiB buffers, waking that thread
 * for each: for a drive's sequential reads this hand-over cost more than the bytes (BENCHMARKS.md, drives).
 */
final class RangedGet {
    private static final int CONNECT_MILLIS = 10_000;
    private static final int READ_MILLIS = 60_000;

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
            // no proxy, as the JDK HttpClient the other calls use: the storage service is reached directly
            c = (HttpURLConnection) request.address().toURL().openConnection(Proxy.NO_PROXY);
            c.setConnectTimeout(CONNECT_MILLIS);
            c.setReadTimeout(READ_MILLIS);
            c.setUseCaches(false);
            request.headers().forEach(c::setRequestProperty);
            status = c.getResponseCode();
        } catch (IOException e) {
            throw blob.unreachable("GET", e);
        }
        if (status != 206 && status != 200) throw refusal(blob, request, c, status);
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

    private static BlobStorageException refusal(PageBlobClient blob, PageBlobClient.Request request, HttpURLConnection c, int status) {
        byte[] error = new byte[0];
        try (InputStream in = c.getErrorStream()) {
            if (in != null) error = in.readAllBytes();
        } catch (IOException e) {
            // the status and code say what happened without the message
        }
        String code = c.getHeaderField("x-ms-error-code");
        return blob.refused(request, status, code == null ? "" : code, error);
    }
}
