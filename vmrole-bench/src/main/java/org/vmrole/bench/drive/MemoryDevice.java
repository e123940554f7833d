package org.vmrole.bench.drive;

import org.vmrole.host.nbd.BlockDevice;

import java.util.Arrays;

/** A block device in a byte array: what the NBD server does when storage costs nothing. */
final class MemoryDevice implements BlockDevice {
    private final byte[] bytes;

    MemoryDevice(long size) {
        bytes = new byte[Math.toIntExact(size)];
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public byte[] read(long offset, int length) {
        return Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
    }

    /** Sent straight from the array, as a read-ahead window is: the server's own cost, no copy. */
    @Override
    public void read(long offset, int length, Sink sink) throws java.io.IOException {
        sink.accept(bytes, (int) offset, length);
    }

    @Override
    public void write(long offset, byte[] data) {
        System.arraycopy(data, 0, bytes, (int) offset, data.length);
    }

    @Override
    public void writeZeroes(long offset, int length) {
        Arrays.fill(bytes, (int) offset, (int) offset + length, (byte) 0);
    }
}
