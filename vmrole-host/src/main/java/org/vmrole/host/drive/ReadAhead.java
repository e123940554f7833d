package org.vmrole.host.drive;

import org.vmrole.host.nbd.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Read-ahead for streams of large reads: a read that continues a stream is served from 4 MiB windows of the drive,
 * each fetched once with one ranged GET and shared by the reads that fall in it, and the windows after it are fetched
 * ahead on threads of their own, so a sequential reader finds its next bytes in memory or on their way ({@link
 * StreamPlan} decides). A ranged GET costs the storage service and the HTTP client a fixed price per request (signing,
 * the blob's metadata row, the exchange) on top of its bytes, so four 1 MiB reads from one 4 MiB GET cost less CPU than
 * four 1 MiB GETs. A read far from where the last one ended is not a stream and is left to the caller, as is a read
 * whose window could not be fetched (the caller's own GET then succeeds or reports why not).
 *
 * <p>A window's buffer is reused once the window is dropped and no read still sends from it (each read pins the window
 * while its bytes go out): a fresh 4 MiB array per window is a humongous allocation in G1, and allocating them was most
 * of what a stream cost (measured: BENCHMARKS.md, drives third session). Windows are direct buffers, so a reply written
 * from one to a channel is not first copied into a temporary direct buffer by the JDK.
 *
 * <p>Never stale: a write drops the windows it overlaps when it starts and again when it is acknowledged, so a read
 * that begins after a write was answered fetches the window anew; only reads concurrent with the write may see
 * either version, as on any disk.
 */
final class ReadAhead {
    static final int WINDOW = 4 << 20;
    /** A stream's next reads arrive out of order by up to QEMU's requests in flight (8-16 of 1 MiB): this much slack. */
    private static final long STREAM_SLACK = 2L * WINDOW;
    /** Windows fetched ahead of a stream's read: QEMU keeps 8 MiB of 1 MiB reads in flight, two windows. */
    private static final int AHEAD = 2;

    /** How one window's bytes are fetched (one ranged GET into the start of the buffer given). */
    interface Fetch {
        void read(long offset, int length, ByteBuffer into);
    }

    /** One window: its bytes once fetched, and how many reads are sending from them. Guarded by the ReadAhead. */
    private static final class Window {
        final CompletableFuture<ByteBuffer> bytes = new CompletableFuture<>();
        int pins;
        boolean dropped;
    }

    private final long size;
    private final int maxWindows;
    private final int ahead;
    private final Fetch fetch;
    private final LinkedHashMap<Long, Window> windows = new LinkedHashMap<>();
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private long streamEnd = -1;
    /** Window fetches of every drive: threads come as fetches need them and go after a minute idle. */
    private static final ExecutorService FETCHERS = Executors.newCachedThreadPool(Thread.ofPlatform().name("drive-read-ahead-", 0).daemon().factory());

    /** @param maxBytes the most memory the windows may hold; below one window, read-ahead is off */
    ReadAhead(long size, long maxBytes, Fetch fetch) {
        this.size = size;
        this.maxWindows = (int) Math.min(64, maxBytes / WINDOW);
        // the read's own window and the one before it (still sending) stay while the next ones come
        this.ahead = Math.max(0, Math.min(AHEAD, maxWindows - 2));
        this.fetch = fetch;
    }

    /**
     * Hands the bytes asked for to {@code sink} when the read continues a stream (straight from the window when they lie
     * in one, else copied from the windows) and answers true; answers false, having done nothing, when the caller
     * should read them itself. The sink must be done with the array when it returns.
     */
    boolean read(long offset, int length, BlockDevice.Sink sink) throws IOException {
        if (maxWindows == 0) return false;
        StreamPlan plan = plan(offset, length);
        if (!plan.stream()) return false;
        long first = plan.firstWindow();
        long last = plan.lastWindow();
        if (first == last) {
            Window w = pinned(first);
            try {
                ByteBuffer bytes = fetched(w);
                if (bytes == null) return false;
                sink.accept(bytes.slice((int) (offset - first * WINDOW), length));
            } finally {
                unpin(w);
            }
            return true;
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        long end = offset + length;
        for (long i = first; i <= last; i++) {
            Window w = pinned(i);
            try {
                ByteBuffer bytes = fetched(w);
                if (bytes == null) return false;
                long from = Math.max(offset, i * WINDOW);
                long to = Math.min(end, Math.min(size, (i + 1) * WINDOW));
                out.put((int) (from - offset), bytes, (int) (from - i * WINDOW), (int) (to - from));
            } finally {
                unpin(w);
            }
        }
        sink.accept(out);
        return true;
    }

    /** As {@link #read}, but only when every window the read needs is in memory now; false (nothing done) otherwise. */
    boolean readIfReady(long offset, int length, BlockDevice.Sink sink) throws IOException {
        synchronized (this) {
            if (maxWindows == 0) return false;
            for (long i = offset / WINDOW; i <= (offset + length - 1) / WINDOW; i++) {
                Window w = windows.get(i);
                if (w == null || !w.bytes.isDone() || w.bytes.isCompletedExceptionally()) return false;
            }
        }
        return read(offset, length, sink);
    }

    /** Drops the windows that overlap the range: called when a write to it starts and when it has been acknowledged. */
    synchronized void invalidate(long offset, long length) {
        long first = offset / WINDOW;
        long last = (offset + length - 1) / WINDOW;
        List<Long> hit = new ArrayList<>();
        for (long i : windows.keySet()) if (i >= first && i <= last) hit.add(i);
        hit.forEach(this::drop);
    }

    /** Bytes the windows held or being fetched take (arrays kept for reuse included). */
    synchronized long bytes() {
        return (long) (windows.size() + free.size()) * WINDOW;
    }

    /** Decides the read against the stream so far, and starts fetching the windows ahead of it that are not held yet. */
    private StreamPlan plan(long offset, int length) {
        List<Long> starts = new ArrayList<>();
        List<Window> started = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        StreamPlan plan;
        synchronized (this) {
            plan = StreamPlan.of(streamEnd, offset, length, size, WINDOW, ahead, STREAM_SLACK);
            streamEnd = plan.streamEnd();
            for (long i = plan.lastWindow() + 1; i <= plan.aheadTo(); i++) {
                if (windows.containsKey(i)) continue;
                // fetching ahead never evicts a window the stream may still read: only one it has left behind
                if (windows.size() >= maxWindows && !dropOneBehind()) break;
                buffers.add(free.poll());
                started.add(hold(i));
                starts.add(i);
            }
        }
        for (int k = 0; k < starts.size(); k++) startFetch(starts.get(k), started.get(k), buffers.get(k));
        return plan;
    }

    /** The window, pinned for the caller; a window not held yet is fetched now. */
    private Window pinned(long index) {
        Window w;
        ByteBuffer buffer = null;
        boolean fetch = false;
        synchronized (this) {
            w = windows.get(index);
            if (w == null) {
                buffer = free.poll();
                w = hold(index);
                fetch = true;
            }
            w.pins++;
        }
        if (fetch) startFetch(index, w, buffer);
        return w;
    }

    /**
     * Fetches a window on a platform thread, which then holds the window's pin until its bytes are in (so a window
     * dropped meanwhile is recycled only then). Not on a virtual thread: a virtual thread reading a socket parks whenever
     * the socket has nothing to read and is woken by the JDK's poller, once per 64-128 KiB of a 4 MiB body; a platform
     * thread waits in the kernel.
     */
    private void startFetch(long index, Window w, ByteBuffer buffer) {
        FETCHERS.execute(() -> {
            try {
                fetchInto(index, w, buffer);
            } finally {
                unpin(w);
            }
        });
    }

    /** A new window, pinned once for its fetch; the oldest go when beyond the bound. Called holding the lock. */
    private Window hold(long index) {
        Window w = new Window();
        w.pins = 1;
        windows.put(index, w);
        evictBeyondBound();
        return w;
    }

    private void fetchInto(long index, Window w, ByteBuffer buffer) {
        ByteBuffer into = buffer != null ? buffer : ByteBuffer.allocateDirect(WINDOW);
        long start = index * WINDOW;
        try {
            fetch.read(start, (int) Math.min(WINDOW, size - start), into);
            w.bytes.complete(into);
        } catch (RuntimeException e) {
            synchronized (this) {
                windows.remove(index, w);
                w.dropped = true;
                if (windows.size() + free.size() < maxWindows) free.push(into);
            }
            w.bytes.completeExceptionally(e);
        }
    }

    private synchronized void unpin(Window w) {
        w.pins--;
        recycle(w);
    }

    private void drop(long index) {
        Window w = windows.remove(index);
        if (w == null) return;
        w.dropped = true;
        recycle(w);
    }

    /** A dropped window nobody sends from gives its array back, while the windows held and the arrays kept stay within the bound. */
    private void recycle(Window w) {
        if (!w.dropped || w.pins > 0 || !w.bytes.isDone() || w.bytes.isCompletedExceptionally()) return;
        ByteBuffer b = w.bytes.getNow(null);
        // identity, not equals: a ByteBuffer's equals compares its 4 MiB of content
        if (b != null && windows.size() + free.size() < maxWindows && free.stream().noneMatch(f -> f == b)) free.push(b);
    }

    /** Drops the first window the stream has left behind, if any; answers whether one was. Called holding the lock. */
    private boolean dropOneBehind() {
        for (long i : windows.keySet()) {
            if (StreamPlan.behind(i, streamEnd, WINDOW, STREAM_SLACK)) {
                drop(i);
                return true;
            }
        }
        return false;
    }

    private void evictBeyondBound() {
        List<Long> oldest = new ArrayList<>();
        Iterator<Long> it = windows.keySet().iterator();
        for (int excess = windows.size() + free.size() - maxWindows; excess > 0 && it.hasNext(); excess--) oldest.add(it.next());
        oldest.forEach(this::drop);
    }

    /** The window's bytes, or null when its fetch failed (the caller then reads by itself). */
    private static ByteBuffer fetched(Window w) {
        try {
            return w.bytes.join();
        } catch (CompletionException e) {
            return null;
        }
    }
}
