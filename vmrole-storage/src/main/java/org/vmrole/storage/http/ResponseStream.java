package org.vmrole.storage.http;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A response body written through Jetty's core API: buffered, so a small answer leaves in one write together with
 * its headers, and closed with the last write, so a complete response needs no extra round through the connection.
 * The buffer is allocated at the first write and grows with the body: most answers are empty or a few hundred
 * bytes, and a 32 KiB array zeroed for each of them is CPU and garbage for nothing.
 */
final class ResponseStream extends OutputStream {
    private static final int BUFFER = 32 * 1024;
    private static final byte[] NONE = new byte[0];

    private final Response response;
    private byte[] buffer = NONE;
    private int buffered;
    private boolean closed;

    ResponseStream(Response response) {
        this.response = response;
    }

    @Override
    public void write(int b) throws IOException {
        if (buffered == BUFFER) send(false);
        room(1);
        buffer[buffered++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("the response body is already complete");
        if (len >= BUFFER) {
            if (buffered > 0) send(false);
            send(ByteBuffer.wrap(b, off, len), false);
            return;
        }
        if (buffered + len > BUFFER) send(false);
        room(len);
        System.arraycopy(b, off, buffer, buffered, len);
        buffered += len;
    }

    /** Makes room for {@code len} more bytes (the caller keeps the total within BUFFER). */
    private void room(int len) {
        if (buffered + len <= buffer.length) return;
        buffer = Arrays.copyOf(buffer, Math.min(BUFFER, Math.max(Math.max(1024, buffer.length * 2), buffered + len)));
    }

    @Override
    public void flush() throws IOException {
        if (buffered > 0 && !closed) send(false);
    }

    /** Sends what is buffered as the end of the response; the handler's stream stays usable until then. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        send(true);
    }

    boolean closed() {
        return closed;
    }

    private void send(boolean last) throws IOException {
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, buffered);
        buffered = 0;
        send(chunk, last);
    }

    private void send(ByteBuffer chunk, boolean last) throws IOException {
        try (Blocker.Callback callback = Blocker.callback()) {
            response.write(last, chunk, callback);
            callback.block();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new InterruptedIOException("writing the response: " + e.getMessage());
        }
    }
}
