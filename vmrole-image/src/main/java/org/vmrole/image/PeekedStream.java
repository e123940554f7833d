package org.vmrole.image;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream whose first bytes were read ahead to decide how to store it: it gives them again, then the rest. A
 * failure while reading ahead is raised after the bytes read before it, so nothing that arrived is lost.
 */
final class PeekedStream extends InputStream {
    private final byte[] head;
    private final int length;
    private final IOException failure;
    private final InputStream rest;
    private int pos;

    private PeekedStream(byte[] head, int length, IOException failure, InputStream rest) {
        this.head = head;
        this.length = length;
        this.failure = failure;
        this.rest = rest;
    }

    /** Reads up to {@code n} bytes ahead. */
    static PeekedStream of(InputStream in, int n) {
        byte[] head = new byte[n];
        int got = 0;
        try {
            while (got < n) {
                int r = in.read(head, got, n - got);
                if (r < 0) break;
                got += r;
            }
            return new PeekedStream(head, got, null, in);
        } catch (IOException e) {
            return new PeekedStream(head, got, e, in);
        }
    }

    /** The bytes read ahead (the array may be longer than {@link #length()}). */
    byte[] head() {
        return head;
    }

    /** How many bytes were read ahead; fewer than asked when the stream ended or failed first. */
    int length() {
        return length;
    }

    /** True when reading ahead failed (the failure comes after the bytes read ahead). */
    boolean failed() {
        return failure != null;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (pos < length) {
            int n = Math.min(len, length - pos);
            System.arraycopy(head, pos, b, off, n);
            pos += n;
            return n;
        }
        if (failure != null) throw failure;
        return rest.read(b, off, len);
    }
}
