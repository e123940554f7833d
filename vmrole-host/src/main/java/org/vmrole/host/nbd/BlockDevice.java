package org.vmrole.host.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What an NBD export serves: a fixed-size range of bytes. Calls may come from many threads at once;
 * a write returns only when its bytes are as durable as the device can make them.
 */
public interface BlockDevice {
    long size();

    boolean readOnly();

    byte[] read(long offset, int length) throws IOException;

    /** Where a read's bytes go: the buffer's remaining bytes; the sink reads them before it returns and keeps nothing. */
    interface Sink {
        void accept(ByteBuffer bytes) throws IOException;
    }

    /**
     * The same bytes as {@link #read}, handed to {@code sink}, possibly straight from a buffer the device keeps (a server
     * sends them without a copy or an array of its own); the sink only reads them.
     */
    default void read(long offset, int length, Sink sink) throws IOException {
        sink.accept(ByteBuffer.wrap(read(offset, length)));
    }

    /**
     * Hands the bytes to {@code sink} and answers true only when the device has them in memory now (no I/O to wait
     * for); answers false, having done nothing, otherwise. A server calls it on the thread that reads its requests.
     */
    default boolean readIfReady(long offset, int length, Sink sink) throws IOException {
        return false;
    }

    void write(long offset, byte[] data) throws IOException;

    /** Makes the range read as zeros. */
    void writeZeroes(long offset, int length) throws IOException;

    /** A hint that the range is no longer needed; it may read back as zeros or as before. */
    default void trim(long offset, int length) throws IOException {}
}
