package org.vmrole.host.drive;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReadAheadTest {
    private static final int MIB = 1 << 20;

    /** A blob in memory: a fetch sees every write that completed before it began (as the storage service does). */
    private static final class MemoryBlob implements ReadAhead.Fetch {
        final byte[] bytes;
        final AtomicInteger fetches = new AtomicInteger();
        volatile boolean failing;

        MemoryBlob(int size) {
            bytes = new byte[size];
        }

        @Override
        public synchronized void read(long offset, int length, ByteBuffer into) {
            fetches.incrementAndGet();
            if (failing) throw new IllegalStateException("the storage service is away");
            into.put(into.position(), bytes, (int) offset, length);
        }

        synchronized void write(int offset, byte[] data) {
            System.arraycopy(data, 0, bytes, offset, data.length);
        }
    }

    /** Reads through the read-ahead as the disk does; null when the read-ahead left it to the caller. */
    private static byte[] read(ReadAhead readAhead, long offset, int length) throws Exception {
        byte[][] got = new byte[1][];
        boolean served = readAhead.read(offset, length, b -> {
            got[0] = new byte[b.remaining()];
            b.get(got[0]);
        });
        return served ? got[0] : null;
    }

    @Test
    void a_sequential_stream_fetches_each_window_once_and_stays_within_the_bound() throws Exception {
        MemoryBlob blob = new MemoryBlob(64 * MIB);
        for (int mib = 0; mib < 64; mib++) blob.write(mib * MIB, filled(MIB, mib));
        ReadAhead readAhead = new ReadAhead(64L * MIB, 16L * MIB, blob);

        assertThat(read(readAhead, 0, MIB)).as("the first read is the caller's").isNull();
        for (int mib = 1; mib < 64; mib++) {
            assertThat(read(readAhead, (long) mib * MIB, MIB)).as("MiB %d", mib).isEqualTo(filled(MIB, mib));
            assertThat(readAhead.bytes()).isLessThanOrEqualTo(16L * MIB);
        }

        assertThat(blob.fetches.get()).isEqualTo(16);
    }

    @Test
    void a_window_that_could_not_be_fetched_leaves_the_read_to_the_caller_and_is_fetched_again_next_time() throws Exception {
        MemoryBlob blob = new MemoryBlob(16 * MIB);
        blob.write(2 * MIB, filled(MIB, 9));
        ReadAhead readAhead = new ReadAhead(16L * MIB, 16L * MIB, blob);
        read(readAhead, 0, MIB);
        blob.failing = true;

        assertThat(read(readAhead, MIB, MIB)).isNull();

        blob.failing = false;
        assertThat(read(readAhead, 2 * MIB, MIB)).isEqualTo(filled(MIB, 9));
    }

    @Test
    void a_window_fetched_while_a_write_was_in_flight_is_dropped_when_the_write_is_acknowledged() throws Exception {
        MemoryBlob blob = new MemoryBlob(16 * MIB);
        ReadAhead readAhead = new ReadAhead(16L * MIB, 16L * MIB, blob);
        read(readAhead, 0, MIB);
        readAhead.invalidate(6 * MIB, 4096); // the write starts
        assertThat(read(readAhead, 4 * MIB, MIB)).as("a read concurrent with the write").isEqualTo(new byte[MIB]); // window 1 is held now
        blob.write(6 * MIB, filled(4096, 7)); // the storage service takes the write

        readAhead.invalidate(6 * MIB, 4096); // and acknowledges it

        byte[] after = read(readAhead, 6 * MIB, MIB);
        assertThat(Arrays.copyOfRange(after, 0, 4096)).isEqualTo(filled(4096, 7));
    }

    @Test
    void no_window_is_held_when_the_bound_is_below_one_window() throws Exception {
        MemoryBlob blob = new MemoryBlob(16 * MIB);
        ReadAhead readAhead = new ReadAhead(16L * MIB, 2L * MIB, blob);

        read(readAhead, 0, MIB);
        assertThat(read(readAhead, MIB, MIB)).isNull();
        assertThat(blob.fetches.get()).isZero();
    }

    /**
     * Eight readers stream over a small disk as QEMU's requests do (each takes the next MiB, wrapping around), while a
     * writer keeps writing a growing number into one page, dropping the windows around each write as the disk does. A
     * read that began after a write was acknowledged never returns the page from before it, and the windows never hold
     * more than the bound.
     */
    @Test
    void a_read_that_begins_after_a_write_was_acknowledged_sees_it_while_other_reads_stream() throws Exception {
        int size = 8 * MIB; // two windows: the one holding the page is fetched again every eight reads
        int page = 5 * MIB + 4096; // in window 1
        MemoryBlob blob = new MemoryBlob(size);
        ReadAhead readAhead = new ReadAhead(size, 16L * MIB, blob);
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong next = new AtomicLong();
        AtomicInteger served = new AtomicInteger();
        List<String> stale = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(9);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                readers.add(threads.submit(() -> {
                    while (!done.get()) {
                        long offset = Math.floorMod(next.getAndAdd(MIB), size);
                        int before = acknowledged.get();
                        byte[] got = read(readAhead, offset, MIB);
                        if (got != null) served.incrementAndGet();
                        if (got != null && offset <= page && page < offset + MIB) {
                            int seen = got[(int) (page - offset)] & 0xff;
                            if (seen < before) stale.add("read at " + offset + " began after write " + before + " was acknowledged and saw " + seen);
                        }
                        if (readAhead.bytes() > 16L * MIB) stale.add("windows hold " + readAhead.bytes() + " bytes");
                    }
                    return null;
                }));
            }
            Future<?> writer = threads.submit(() -> {
                for (int v = 1; v <= 250; v++) {
                    readAhead.invalidate(page, 4096);
                    blob.write(page, filled(4096, v));
                    readAhead.invalidate(page, 4096);
                    acknowledged.set(v);
                    Thread.yield();
                }
                return null;
            });
            writer.get();
            done.set(true);
            for (Future<?> r : readers) r.get();
        } finally {
            threads.shutdownNow();
        }

        assertThat(stale).isEmpty();
        assertThat(served.get()).as("reads served from windows").isPositive();
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
