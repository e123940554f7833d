package org.vmrole.host.drive;

import org.vmrole.model.blob.BlobStorageException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Read-ahead for streams of large reads: a read that continues a stream is served from 4 MiB windows of the drive,
 * each fetched once with one ranged GET and shared by the reads that fall in it. A ranged GET costs the storage
 * service and the HTTP client a fixed price per request (signing, the blob's metadata row, the exchange) on top of
 * its bytes, so four 1 MiB reads from one 4 MiB GET cost about a fifth less CPU than four 1 MiB GETs (measured with
 * the page-blob client alone). A read far from where the last one ended is not a stream and is left to the caller.
 *
 * <p>Never stale: a write drops the windows it overlaps when it starts and again when it is acknowledged, so a read
 * that begins after a write was answered fetches the window anew; only reads concurrent with the write may see
 * either version, as on any disk.
 */
final class ReadAhead {
    static final int WINDOW = 4 << 20;
    /** A stream's next reads arrive out of order by up to QEMU's requests in flight (8-16 of 1 MiB): this much slack. */
    private static final long STREAM_SLACK = 2L * WINDOW;

    /** How one window's bytes are fetched (one ranged GET). */
    interface Fetch {
        byte[] read(long offset, int length);
    }

    private final long size;
    private final int maxWindows;
    private final Fetch fetch;
    private final LinkedHashMap<Long, CompletableFuture<byte[]>> windows = new LinkedHashMap<>();
    private long streamEnd = -1;

    /** @param maxBytes the most memory the windows may hold; below one window, read-ahead is off */
    ReadAhead(long size, long maxBytes, Fetch fetch) {
        this.size = size;
        this.maxWindows = (int) Math.min(64, maxBytes / WINDOW);
        this.fetch = fetch;
    }

    /** The bytes asked for when the read continues a stream, or null when the caller should read them itself. */
    byte[] read(long offset, int length) {
        if (maxWindows == 0 || !continuesStream(offset, length)) return null;
        byte[] out = new byte[length];
        long end = offset + length;
        for (long w = offset / WINDOW; w * WINDOW < end; w++) {
            byte[] window = window(w);
            long from = Math.max(offset, w * WINDOW);
            long to = Math.min(end, w * WINDOW + window.length);
            System.arraycopy(window, (int) (from - w * WINDOW), out, (int) (from - offset), (int) (to - from));
        }
        return out;
    }

    /** Drops the windows that overlap the range: called when a write to it starts and when it has been acknowledged. */
    synchronized void invalidate(long offset, long length) {
        long first = offset / WINDOW;
        long last = (offset + length - 1) / WINDOW;
        windows.keySet().removeIf(w -> w >= first && w <= last);
    }

    /** Bytes the windows held or being fetched take. */
    synchronized long bytes() {
        return (long) windows.size() * WINDOW;
    }

    private synchronized boolean continuesStream(long offset, int length) {
        boolean stream = streamEnd >= 0 && Math.abs(offset - streamEnd) <= STREAM_SLACK;
        streamEnd = Math.max(streamEnd, offset + length);
        if (!stream) streamEnd = offset + length;
        return stream;
    }

    private byte[] window(long index) {
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> shared;
        synchronized (this) {
            shared = windows.putIfAbsent(index, mine);
            if (shared == null) evictBeyondBound();
        }
        if (shared != null) return join(shared);
        long start = index * WINDOW;
        try {
            mine.complete(fetch.read(start, (int) Math.min(WINDOW, size - start)));
        } catch (RuntimeException e) {
            synchronized (this) {
                windows.remove(index, mine);
            }
            mine.completeExceptionally(e);
        }
        return join(mine);
    }

    private void evictBeyondBound() {
        List<Long> oldest = new ArrayList<>();
        Iterator<Long> it = windows.keySet().iterator();
        for (int excess = windows.size() - maxWindows; excess > 0 && it.hasNext(); excess--) oldest.add(it.next());
        oldest.forEach(windows::remove);
    }

    private static byte[] join(CompletableFuture<byte[]> window) {
        try {
            return window.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof BlobStorageException b) throw b;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }
}
