package org.vmrole.model.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;

/**
 * What the blocking HTTP/1.1 exchanges ({@link RangedGet}, {@link BlockPut}) share: a signed request opened as an
 * {@link HttpURLConnection} (kept alive and reused by the JDK) and a refusal read into the client's exception.
 */
final class BlockingExchange {
    private static final int CONNECT_MILLIS = 10_000;
    private static final int READ_MILLIS = 60_000;

    private BlockingExchange() {}

    /** The request's connection, its headers set, not yet connected. */
    static HttpURLConnection open(PageBlobClient.Request request) throws IOException {
        // no proxy, as the JDK HttpClient the other calls use: the storage service is reached directly
        HttpURLConnection c = (HttpURLConnection) request.address().toURL().openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout(CONNECT_MILLIS);
        c.setReadTimeout(READ_MILLIS);
        c.setUseCaches(false);
        request.headers().forEach(c::setRequestProperty);
        return c;
    }

    /**
     * A GET whose body is read by the caller from the socket, on the caller's thread: close the stream to give the
     * connection back (kept alive when the body was read to its end). A status not expected throws.
     */
    static InputStream stream(PageBlobClient blob, PageBlobClient.Request request, int... expected) {
        HttpURLConnection c;
        int status;
        try {
            c = open(request);
            status = c.getResponseCode();
        } catch (IOException e) {
            throw blob.unreachable(request.method(), e);
        }
        for (int ok : expected) {
            if (status != ok) continue;
            try {
                return c.getInputStream();
            } catch (IOException e) {
                c.disconnect();
                throw blob.unreachable(request.method(), e);
            }
        }
        throw refusal(blob, request, c, status);
    }

    /** The service's refusal: its status, error code and message. */
    static BlobStorageException refusal(PageBlobClient blob, PageBlobClient.Request request, HttpURLConnection c, int status) {
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
