package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.model.blob.BlobProperties;
import org.vmrole.host.nbd.BlockDevice;
import org.vmrole.model.drive.FixedVhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * A drive's disk: the page blob without its VHD footer. Reads are ranged Get Blob calls through a
 * bounded {@link ReadCache}; writes are Put Page calls under the writer's lease and return only when
 * the storage service has acknowledged them (so a write the guest was told about is durable, and a
 * flush has nothing left to wait for but writes still in flight). Writes that do not start and end on
 * a 512-byte page are read, merged and written back, one at a time.
 */
public final class PageBlobDisk implements BlockDevice {
    /**
     * The cache's unit. A miss fetches only the chunks the request touches: with 64 KiB chunks a 4 KiB
     * random read cost 16 times its bytes (measured: 4 KiB scattered reads at 58% of the page-blob rate).
     */
    static final int CHUNK = 4096;
    /** Reads at least this long bypass the cache. */
    static final int DIRECT_READ = 256 * 1024;
    private final PageBlobClient blob;
    private final long size;
    private final boolean readOnly;
    private final Supplier<String> leaseId;
    private final ReadCache cache;
    private final ReadAhead readAhead;
    private final ReadWriteLock mergeLock = new ReentrantReadWriteLock();
    // A read may fill the cache only if no write ran while it fetched: writes bump the epoch on both ends.
    private final AtomicLong writeEpoch = new AtomicLong();
    private final AtomicInteger writesInFlight = new AtomicInteger();

    private PageBlobDisk(PageBlobClient blob, long size, boolean readOnly, Supplier<String> leaseId, long cacheBytes) {
        this.blob = blob;
        this.size = size;
        this.readOnly = readOnly;
        this.leaseId = leaseId;
        // a quarter of the bound for read-ahead windows (16 MiB of the 64 MiB a drive gets), the rest for small reads
        long windows = cacheBytes / 4 / ReadAhead.WINDOW * ReadAhead.WINDOW;
        this.cache = new ReadCache(CHUNK, cacheBytes - windows);
        this.readAhead = new ReadAhead(size, windows, blob::read);
    }

    /**
     * Opens a drive after checking that its blob is a fixed VHD in a page blob.
     *
     * @param leaseId the writer's lease id, or null to open read-only
     * @param cacheBytes the most memory the read cache and the read-ahead windows may hold together (0: neither)
     */
    public static PageBlobDisk open(PageBlobClient blob, Supplier<String> leaseId, long cacheBytes) {
        BlobProperties p = blob.properties();
        String where = blob.url() + blob.snapshot().map(s -> " (snapshot " + s + ")").orElse("");
        if (p.size() < 2L * FixedVhd.FOOTER_BYTES || p.size() % PageBlobClient.PAGE != 0) {
            throw new IllegalArgumentException("drive blob " + where + " is " + p.size() + " bytes: a drive is a multiple of 512 bytes plus a 512-byte VHD footer");
        }
        if (!"PageBlob".equals(p.blobType())) throw new IllegalArgumentException("drive blob " + where + " is a " + p.blobType() + ", not a page blob: create drives with `vmrole drive create`");
        long disk = p.size() - FixedVhd.FOOTER_BYTES;
        try {
            long footerSays = FixedVhd.diskBytes(blob.read(disk, FixedVhd.FOOTER_BYTES));
            if (footerSays != disk) throw new IllegalArgumentException("its VHD footer says " + footerSays + " bytes but the blob holds " + disk + " before the footer");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("drive blob " + where + " is not a fixed VHD: " + e.getMessage(), e);
        }
        boolean readOnly = leaseId == null || blob.snapshot().isPresent();
        return new PageBlobDisk(blob, disk, readOnly, leaseId, cacheBytes);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** Bytes the read cache and the read-ahead windows hold now (never above the bound given at open). */
    public long cachedBytes() {
        return cache.bytes() + readAhead.bytes();
    }

    @Override
    public byte[] read(long offset, int length) {
        checkRange(offset, length);
        if (length < DIRECT_READ) return readCached(offset, length);
        byte[] copy = new byte[length];
        // the caller owns what it gets (a merge writes into it): never a read-ahead window itself
        try {
            if (readAhead.read(offset, length, b -> b.get(copy))) return copy;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a copy into an array throws none
        }
        return blob.read(offset, length, copy);
    }

    /** As {@link #read}; a large read that continues a stream is sent straight from a read-ahead window. */
    @Override
    public void read(long offset, int length, Sink sink) throws IOException {
        checkRange(offset, length);
        // a large read is streaming (the guest caches it itself): read-ahead windows or one GET of its own, and the cache keeps the small reads
        if (length >= DIRECT_READ && readAhead.read(offset, length, sink)) return;
        sink.accept(ByteBuffer.wrap(length >= DIRECT_READ ? blob.read(offset, length) : readCached(offset, length)));
    }

    /** A large read that continues a stream whose read-ahead windows are already in memory. */
    @Override
    public boolean readIfReady(long offset, int length, Sink sink) throws IOException {
        checkRange(offset, length);
        return length >= DIRECT_READ && readAhead.readIfReady(offset, length, sink);
    }

    private byte[] readCached(long offset, int length) {
        byte[] out = new byte[length];
        int chunk = cache.chunkSize();
        long first = offset / chunk;
        long last = (offset + length - 1) / chunk;
        for (long i = first; i <= last; ) {
            byte[] hit = cache.get(i);
            if (hit != null) {
                copyChunk(hit, i, offset, out);
                i++;
                continue;
            }
            long runEnd = i;
            while (runEnd < last && cache.get(runEnd + 1) == null) runEnd++;
            fetch(i, runEnd, offset, out);
            i = runEnd + 1;
        }
        return out;
    }

    /** Fetches chunks {@code first..last} in one ranged GET, copies the part asked for, and caches them if no write interfered. */
    private void fetch(long first, long last, long offset, byte[] out) {
        int chunk = cache.chunkSize();
        long epoch = writeEpoch.get();
        boolean quiet = writesInFlight.get() == 0;
        long start = first * chunk;
        long end = Math.min((last + 1) * chunk, size);
        byte[] data = blob.read(start, (int) (end - start));
        boolean cacheable = quiet && writesInFlight.get() == 0 && writeEpoch.get() == epoch;
        for (long i = first; i <= last; i++) {
            int from = (int) ((i - first) * chunk);
            byte[] c = java.util.Arrays.copyOfRange(data, from, (int) Math.min(from + (long) chunk, data.length));
            copyChunk(c, i, offset, out);
            if (cacheable) cache.put(i, c);
        }
    }

    private void copyChunk(byte[] c, long index, long offset, byte[] out) {
        long chunkStart = index * cache.chunkSize();
        long from = Math.max(chunkStart, offset);
        long to = Math.min(chunkStart + c.length, offset + out.length);
        if (to > from) System.arraycopy(c, (int) (from - chunkStart), out, (int) (from - offset), (int) (to - from));
    }

    @Override
    public void write(long offset, byte[] data) {
        checkWritable(offset, data.length);
        if (data.length == 0) return;
        if (aligned(offset) && aligned(data.length)) {
            mergeLock.readLock().lock();
            try {
                put(offset, data);
            } finally {
                mergeLock.readLock().unlock();
            }
            return;
        }
        mergeLock.writeLock().lock();
        try {
            long start = offset - offset % PageBlobClient.PAGE;
            long end = roundUp(offset + data.length);
            byte[] merged = read(start, (int) (end - start));
            System.arraycopy(data, 0, merged, (int) (offset - start), data.length);
            put(start, merged);
        } finally {
            mergeLock.writeLock().unlock();
        }
    }

    @Override
    public void writeZeroes(long offset, int length) {
        checkWritable(offset, length);
        long start = roundUp(offset);
        long end = (offset + length) - (offset + length) % PageBlobClient.PAGE;
        if (end <= start) {
            write(offset, new byte[length]);
            return;
        }
        if (start > offset) write(offset, new byte[(int) (start - offset)]);
        clear(start, end - start);
        if (offset + length > end) write(end, new byte[(int) (offset + length - end)]);
    }

    /** Clears the whole pages inside the range; partial pages at its ends are left as they are. */
    @Override
    public void trim(long offset, int length) {
        checkWritable(offset, length);
        long start = roundUp(offset);
        long end = (offset + length) - (offset + length) % PageBlobClient.PAGE;
        if (end > start) clear(start, end - start);
    }

    private void clear(long offset, long length) {
        mergeLock.readLock().lock();
        writing(offset, length);
        try {
            blob.clearPages(offset, length, leaseId.get());
        } finally {
            written(offset, length);
            mergeLock.readLock().unlock();
        }
    }

    private void put(long offset, byte[] data) {
        writing(offset, data.length);
        try {
            for (int from = 0; from < data.length; from += PageBlobClient.MAX_PUT_PAGE) {
                int n = Math.min(PageBlobClient.MAX_PUT_PAGE, data.length - from);
                blob.writePages(offset + from, data, from, n, leaseId.get());
            }
        } finally {
            written(offset, data.length);
        }
    }

    private void writing(long offset, long length) {
        writesInFlight.incrementAndGet();
        writeEpoch.incrementAndGet();
        readAhead.invalidate(offset, length);
    }

    private void written(long offset, long length) {
        cache.invalidate(offset, length);
        readAhead.invalidate(offset, length);
        writeEpoch.incrementAndGet();
        writesInFlight.decrementAndGet();
    }

    private void checkWritable(long offset, long length) {
        if (readOnly) throw new IllegalStateException("drive " + blob.url() + " is attached read-only");
        checkRange(offset, length);
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " lies outside the drive's " + size + " bytes");
        }
    }

    private static boolean aligned(long v) {
        return v % PageBlobClient.PAGE == 0;
    }

    private static long roundUp(long v) {
        return (v + PageBlobClient.PAGE - 1) / PageBlobClient.PAGE * PageBlobClient.PAGE;
    }
}
