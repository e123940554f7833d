package org.vmrole.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** An upload's body as it is read: every byte read is also handed to the writer that stages it in the Blob service. */
final class StagingStream extends FilterInputStream {
    private final ImageBlobs.Writer stager;

    StagingStream(InputStream body, ImageBlobs.Writer stager) {
        super(body);
        this.stager = stager;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) stager.write(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        int step = (int) Math.min(n, 8192);
        return Math.max(0, read(new byte[step], 0, step));
    }
}
