package org.vmrole.model.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;

/**
 * A Put Block as one blocking HTTP/1.1 exchange ({@link HttpURLConnection} in fixed-length streaming mode, its
 * connections kept alive and reused), the body written from the caller's array straight to the socket on the caller's
 * thread. The JDK's {@code java.net.http.HttpClient} takes a body as a publisher of buffers that its selector thread
 * asks for and writes, a hand-over per 64 KiB slice: 15-20% of an image upload's CPU (BENCHMARKS.md, images).
 */
final class BlockPut {
    private BlockPut() {}

    /**
     * Sends {@code length} bytes of {@code data} from {@code from}; a status other than 201 throws. A connection that
     * fails is tried once more on a new one: a kept-alive connection the service closed while it was idle shows only
     * once the body is written, and a streamed body cannot be replayed by the JDK (staging a block again under its id
     * replaces it, so the second try is safe).
     */
    static void put(PageBlobClient blob, PageBlobClient.Request request, byte[] data, int from, int length) {
        try {
            send(blob, request, data, from, length);
        } catch (IOException first) {
            try {
                send(blob, request, data, from, length);
            } catch (IOException e) {
                throw blob.unreachable("PUT", e);
            }
        }
    }

    private static void send(PageBlobClient blob, PageBlobClient.Request request, byte[] data, int from, int length) throws IOException {
        HttpURLConnection c = BlockingExchange.open(request);
        int status;
        try {
            c.setRequestMethod(request.method());
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(data, from, length);
            }
            status = c.getResponseCode();
        } catch (IOException e) {
            c.disconnect(); // a connection that failed mid-exchange is not reused
            throw e;
        }
        if (status != 201) throw BlockingExchange.refusal(blob, request, c, status);
        // read to the end of the (empty) body: only then does the connection go back to the keep-alive pool
        try (InputStream in = c.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
