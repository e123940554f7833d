package org.vmrole.bench.drive;

import org.vmrole.host.nbd.BlockDevice;

import java.nio.ByteBuffer;

/** A block device in a direct buffer, as the drive's read-ahead windows are: what the NBD server does when storage costs nothing. */
final class MemoryDevice implements BlockDevice {
    private final ByteBuffer bytes;

    MemoryDevice(long size) {
        bytes = ByteBuffer.allocateDirect(Math.toIntExact(size));
    }

    @Override
    public long size() {
        return bytes.capacity();
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public byte[] read(long offset, int length) {
        byte[] out = new byte[length];
        bytes.get((int) offset, out);
        return out;
    }

    /** Sent straight from the buffer: the server's own cost, no copy of the device's. */
    @Override
    public void read(long offset, int length, Sink sink) throws java.io.IOException {
        sink.accept(bytes.slice((int) offset, length));
    }

    /** Always in memory: answered on the server's connection thread, as a read-ahead window that is in is. */
    @Override
    public boolean readIfReady(long offset, int length, Sink sink) throws java.io.IOException {
        read(offset, length, sink);
        return true;
    }

    @Override
    public void write(long offset, byte[] data) {
        bytes.put((int) offset, data);
    }

    @Override
    public void writeZeroes(long offset, int length) {
        bytes.put((int) offset, new byte[length]);
    }
}
