package org.vmrole.host.lan;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Frames on a byte stream as QEMU's {@code stream} netdev sends them, and as our tunnels do: a 4-byte big-endian
 * length, then the Ethernet frame.
 */
final class FrameStream {
    /** Larger than any frame a virtio NIC without offloads sends (1514 bytes), small enough to refuse garbage. */
    static final int MAX_FRAME = 65_536;

    private FrameStream() {
    }

    /** Reads the next frame into {@code buffer}; returns its length. */
    static int read(DataInputStream in, byte[] buffer) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) throw new IOException("frame length " + length + " is outside 0-" + MAX_FRAME + "; closing the link");
        in.readFully(buffer, 0, length);
        return length;
    }

    /** Writes one frame; the caller holds the stream's lock. */
    static void write(OutputStream out, byte[] frame, int length) throws IOException {
        byte[] head = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
        out.write(head);
        out.write(frame, 0, length);
        out.flush();
    }
}
