package org.vmrole.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * Streams bytes into a file while a second thread hashes them, so hashing overlaps the disk writes instead of
 * adding to them. A {@link Sink} places them: as they are, skipping all-zero blocks as holes (the file stays
 * sparse, as {@code cp} would leave it), or as a qcow2 image ({@link Qcow2Stream}).
 * Memory is a fixed ring of buffers whatever the size of the stream. Every {@link #WRITEBACK_STEP} bytes a third
 * thread starts an fsync of what is written so far: the kernel would otherwise hold a whole upload in the page cache
 * (its background writeback starts at 10% of memory) and the caller's final fsync would then write it all while
 * nothing else runs; this way the disk writes overlap receiving and hashing, and the final fsync has little left.
 */
final class HashingWriter {
    private static final int BUFFERS = 4;
    private static final byte[] ZEROS = new byte[Sha256.BUFFER];
    private static final byte[] END = new byte[0];
    static final long WRITEBACK_STEP = 64L << 20;

    /** Where received bytes go; {@code at} is the stream position of {@code buf[0]}. */
    interface Sink {
        void write(byte[] buf, int length, long at) throws IOException;

        /** Called once after the last write, also when receiving failed. */
        default void end(long at) throws IOException {}
    }

    /** The bytes as they are, at their own offsets; all-zero blocks stay holes, and the file gets the stream's length. */
    static Sink sparseFile(FileChannel ch) {
        return new Sink() {
            @Override
            public void write(byte[] buf, int n, long at) throws IOException {
                if (Arrays.mismatch(buf, 0, n, ZEROS, 0, n) == -1) return;
                DurableFiles.writeAt(ch, ByteBuffer.wrap(buf, 0, n), at);
            }

            @Override
            public void end(long at) throws IOException {
                // a trailing hole must still count as bytes received: give the file its full length
                if (ch.size() < at) ch.write(ByteBuffer.wrap(new byte[1]), at - 1);
            }
        };
    }

    /** What was written: bytes in total; {@code tooLarge} when the stream went past the limit (nothing past it is written). */
    record Outcome(long written, boolean tooLarge) {}

    private record Chunk(byte[] buf, int length) {}

    private HashingWriter() {}

    /**
     * Appends {@code in} at {@code start}, stopping before {@code limit} total bytes. Even when reading fails midway,
     * every chunk written is also hashed before this returns or throws; {@code written} is then given via
     * {@code progress[0]}.
     */
    static Outcome append(FileChannel ch, Sink sink, long start, InputStream in, MessageDigest digest, long limit, long[] progress) throws IOException {
        return append(ch, sink, start, in, digest, limit, progress, true);
    }

    /**
     * As above; without {@code writeback} no early fsyncs run (a working copy whose durability lies elsewhere: its
     * pages may never reach the disk before it is deleted).
     */
    static Outcome append(FileChannel ch, Sink sink, long start, InputStream in, MessageDigest digest, long limit, long[] progress,
                          boolean writeback) throws IOException {
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
        BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) free.add(new byte[Sha256.BUFFER]);
        Thread hasher = digest == null ? null : Thread.ofPlatform().daemon().name("upload-hasher").start(() -> {
            try {
                for (Chunk c = full.take(); c.buf != END; c = full.take()) {
                    digest.update(c.buf, 0, c.length);
                    free.put(c.buf);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        byte[] only = digest == null ? new byte[Sha256.BUFFER] : null;
        long pos = start;
        long nextWriteback = writeback ? start + WRITEBACK_STEP : Long.MAX_VALUE;
        boolean tooLarge = false;
        Writeback early = writeback ? new Writeback(ch) : null;
        try {
            while (true) {
                byte[] buf = digest == null ? only : take(free);
                Fill fill = fill(in, buf);
                int n = fill.length();
                if (n <= 0) {
                    if (digest != null) free.add(buf);
                    if (fill.failure() != null) throw fill.failure();
                    break;
                }
                if (pos + n > limit) {
                    tooLarge = true;
                    break;
                }
                sink.write(buf, n, pos);
                if (digest != null) put(full, new Chunk(buf, n));
                pos += n;
                progress[0] = pos;
                if (pos >= nextWriteback) {
                    early.request();
                    nextWriteback = pos + WRITEBACK_STEP;
                }
                if (fill.failure() != null) throw fill.failure();
                if (fill.ended()) break;
            }
        } finally {
            if (early != null) early.stop();
            if (hasher != null) {
                put(full, new Chunk(END, 0));
                join(hasher);
            }
            sink.end(pos);
        }
        return new Outcome(pos, tooLarge);
    }

    /**
     * Early fsyncs on a thread of their own, at most one running and one pending: they only start the disk writes
     * sooner. Durability still comes from the caller's fsync after the last write; a failed early fsync is left
     * for that one to report.
     */
    private static final class Writeback {
        private final Semaphore pending = new Semaphore(0);
        private final Thread thread;
        private volatile boolean stopped;

        Writeback(FileChannel ch) {
            thread = Thread.ofPlatform().daemon().name("upload-writeback").start(() -> {
                try {
                    while (true) {
                        pending.acquire();
                        if (stopped) return;
                        pending.drainPermits();
                        ch.force(false);
                    }
                } catch (InterruptedException | IOException e) {
                    // the caller's final fsync makes the data durable or reports the error
                }
            });
        }

        void request() {
            if (pending.availablePermits() == 0) pending.release();
        }

        void stop() throws IOException {
            stopped = true;
            pending.release();
            join(thread);
        }
    }

    /** What one fill of a buffer read: its bytes, whether the stream ended, and the failure that cut it short. */
    private record Fill(int length, boolean ended, IOException failure) {}

    /**
     * Fills {@code buf} from {@code in}. A read that fails midway keeps the bytes before it, so a broken
     * connection loses nothing that arrived.
     */
    private static Fill fill(InputStream in, byte[] buf) {
        int n = 0;
        try {
            while (n < buf.length) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) return new Fill(n, true, null);
                n += r;
            }
            return new Fill(n, false, null);
        } catch (IOException e) {
            return new Fill(n, true, e);
        }
    }

    private static byte[] take(BlockingQueue<byte[]> q) throws IOException {
        try {
            return q.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while receiving an upload", e);
        }
    }

    private static void put(BlockingQueue<Chunk> q, Chunk c) throws IOException {
        try {
            q.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while receiving an upload", e);
        }
    }

    private static void join(Thread t) throws IOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing an upload", e);
        }
    }
}
