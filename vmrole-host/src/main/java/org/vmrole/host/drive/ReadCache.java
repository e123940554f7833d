package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded least-recently-used cache of fixed-size chunks of a drive, keyed by chunk index. It
 * never holds more than {@code maxBytes}; writes remove the chunks they touch.
 */
final class ReadCache {
    private final int chunkSize;
    private final int maxChunks;
    private final LinkedHashMap<Long, byte[]> chunks;

    ReadCache(int chunkSize, long maxBytes) {
        if (chunkSize <= 0 || chunkSize % PageBlobClient.PAGE != 0) throw new IllegalArgumentException("cache chunk must be a positive multiple of 512: " + chunkSize);
        this.chunkSize = chunkSize;
        this.maxChunks = (int) Math.max(0, maxBytes / chunkSize);
        this.chunks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > maxChunks;
            }
        };
    }

    int chunkSize() {
        return chunkSize;
    }

    synchronized byte[] get(long index) {
        return chunks.get(index);
    }

    synchronized void put(long index, byte[] chunk) {
        if (maxChunks > 0) chunks.put(index, chunk);
    }

    /** Drops every chunk that overlaps {@code [offset, offset + length)}. */
    synchronized void invalidate(long offset, long length) {
        long first = offset / chunkSize;
        long last = (offset + length - 1) / chunkSize;
        if (last - first > chunks.size()) {
            chunks.keySet().removeIf(i -> i >= first && i <= last);
        } else {
            for (long i = first; i <= last; i++) chunks.remove(i);
        }
    }

    synchronized long bytes() {
        return (long) chunks.size() * chunkSize;
    }
}
