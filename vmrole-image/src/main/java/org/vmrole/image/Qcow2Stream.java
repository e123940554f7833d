package org.vmrole.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Writes a raw disk that arrives in order straight into a qcow2 (version 3) file, so a raw upload needs no
 * conversion pass: the bytes are written once, as the image they will be stored as.
 *
 * <p>Layout: the header in cluster 0, the L1 table after it (reserved for the largest disk the stream may carry),
 * then L2 tables and data clusters in the order the stream reaches them (all-zero clusters stay unallocated, an L2
 * table just before the first data cluster it maps), and at {@link #finish} the refcount blocks and table at the
 * end. Allocation follows the stream, so the same bytes always give the same file however the upload was split.
 *
 * <p>Until {@link #finish} the file is not a valid qcow2 (its header is written last). {@link #checkpoint} makes
 * what arrived durable, including a trailing partial cluster, and returns the {@link Progress} the caller stores;
 * {@link #resume} continues from a stored one, discarding whatever a crashed writer allocated after it.
 */
final class Qcow2Stream {
    static final int CLUSTER = 1 << 16;
    private static final int CLUSTER_BITS = 16;
    private static final int L2_ENTRIES = CLUSTER / 8;
    private static final long L2_SPAN = (long) L2_ENTRIES * CLUSTER;
    private static final int REFCOUNTS_PER_BLOCK = CLUSTER / 2;
    private static final int REFCOUNT_ORDER = 4;
    private static final int HEADER_LENGTH = 104;
    /** Set on L1 and L2 entries whose cluster has refcount 1: qemu-img check counts its absence as corruption. */
    static final long COPIED = 1L << 63;
    private static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    private static final byte[] ZEROS = new byte[CLUSTER];

    /** Where a stream stands after a checkpoint: bytes received, the next free cluster, the L1 table's reserved clusters. */
    record Progress(long received, long nextCluster, int l1Clusters) {
        /** The largest stream any limit can ask for (64 TiB): its L1 table is 16 clusters, kept in memory. */
        static final long MAX_BYTES = 1L << 46;

        static Progress start(long maxBytes) {
            long bytes = Math.min(Math.max(maxBytes, 1), MAX_BYTES);
            long entries = (bytes + L2_SPAN - 1) / L2_SPAN;
            int l1Clusters = Math.toIntExact((entries * 8 + CLUSTER - 1) / CLUSTER);
            return new Progress(0, 1 + l1Clusters, l1Clusters);
        }

        /** The most bytes the stream can carry: what its reserved L1 table maps. */
        long capacity() {
            return (long) l1Clusters * L2_ENTRIES * L2_SPAN;
        }
    }

    private final FileChannel ch;
    private final int l1Clusters;
    /** Host offsets of the L2 tables, 0 where a region has none. */
    private final long[] l1;
    /** The L2 table of region {@link #region} (host offsets of its data clusters), loaded or new. */
    private long[] l2;
    private int region = -1;
    private boolean l2Dirty;
    private long[] cached;
    private int cachedRegion = -1;
    /** The cluster being filled: the stream's bytes past the last cluster boundary. */
    private final byte[] partial = new byte[CLUSTER];
    private long received;
    private long next;
    private boolean broken;
    private boolean durable = true;
    /** A run of consecutive data clusters from one caller buffer, written with one call. */
    private byte[] runBuf;
    private long runHost = -1;
    private int runFrom;
    private int runLength;

    private Qcow2Stream(FileChannel ch, Progress p) {
        this.ch = ch;
        this.l1Clusters = p.l1Clusters();
        this.l1 = new long[l1Clusters * L2_ENTRIES];
        this.received = p.received();
        this.next = p.nextCluster();
    }

    /** Starts an empty stream in an empty file. */
    static Qcow2Stream create(FileChannel ch, Progress start) {
        return new Qcow2Stream(ch, start);
    }

    /** Continues a stream from its last checkpoint; anything written after that checkpoint is dropped. */
    static Qcow2Stream resume(FileChannel ch, Progress p) throws IOException {
        Qcow2Stream s = new Qcow2Stream(ch, p);
        ByteBuffer table = ByteBuffer.allocate(s.l1.length * 8);
        DurableFiles.readAt(ch, table, CLUSTER);
        long clusters = (p.received() + CLUSTER - 1) / CLUSTER;
        long limit = p.nextCluster() * CLUSTER;
        for (int r = 0; r < s.l1.length; r++) {
            long at = table.getLong(r * 8) & OFFSET_MASK;
            boolean valid = at != 0 && at < limit && (long) r * L2_ENTRIES < clusters;
            s.l1[r] = valid ? at : 0;
        }
        if (clusters > 0) {
            int last = (int) ((clusters - 1) / L2_ENTRIES);
            s.load(last);
            for (int i = 0; i < L2_ENTRIES; i++) {
                long g = (long) last * L2_ENTRIES + i;
                if (s.l2[i] != 0 && (g >= clusters || s.l2[i] >= limit)) {
                    s.l2[i] = 0;
                    s.l2Dirty = true;
                }
            }
            int fill = (int) (p.received() % CLUSTER);
            long host = s.l2[(int) ((clusters - 1) % L2_ENTRIES)];
            if (fill > 0 && host != 0) {
                DurableFiles.readAt(ch, ByteBuffer.wrap(s.partial, 0, fill), host);
            }
        }
        return s;
    }

    long capacity() {
        return progress().capacity();
    }

    private Progress progress() {
        return new Progress(received, next, l1Clusters);
    }

    long received() {
        return received;
    }

    /** Appends raw bytes at the end of the stream. */
    void write(byte[] buf, int off, int len) throws IOException {
        if (broken) throw new IOException("a write to this stream failed before; resume it from its last checkpoint");
        try {
            append(buf, off, len);
        } catch (IOException | RuntimeException e) {
            // what was counted may not be on disk, and allocation has moved on: only the last checkpoint is sound
            broken = true;
            throw e;
        }
    }

    /** True once a write failed: the stream can no longer checkpoint, only be resumed from its last checkpoint. */
    boolean broken() {
        return broken;
    }

    private void append(byte[] buf, int off, int len) throws IOException {
        int end = off + len;
        int pos = off;
        int fill = (int) (received % CLUSTER);
        if (fill > 0) {
            int n = Math.min(CLUSTER - fill, len);
            System.arraycopy(buf, pos, partial, fill, n);
            pos += n;
            received += n;
            if (fill + n == CLUSTER) storeCluster(received / CLUSTER - 1, partial, 0);
        }
        while (end - pos >= CLUSTER) {
            storeCluster(received / CLUSTER, buf, pos);
            pos += CLUSTER;
            received += CLUSTER;
        }
        flushRun();
        if (pos < end) {
            System.arraycopy(buf, pos, partial, 0, end - pos);
            Arrays.fill(partial, end - pos, CLUSTER, (byte) 0);
            received += end - pos;
        }
    }

    /** Makes everything received durable (data, the partial cluster, the tables) and says where the stream stands. */
    Progress checkpoint() throws IOException {
        if (broken) throw new IOException("a write to this stream failed; it cannot checkpoint what it did not store");
        storePartial();
        writeMaps();
        if (durable) ch.force(false);
        return progress();
    }

    /** Bytes of the disk as received so far; past {@link #received()} it reads zeros. */
    void read(long pos, byte[] dst, int off, int len) throws IOException {
        while (len > 0) {
            long g = pos / CLUSTER;
            int in = (int) (pos % CLUSTER);
            int n = Math.min(len, CLUSTER - in);
            long host = hostOf(g);
            if (g == received / CLUSTER && received % CLUSTER != 0) {
                System.arraycopy(partial, in, dst, off, n);
            } else if (host != 0) {
                DurableFiles.readAt(ch, ByteBuffer.wrap(dst, off, n), host + in);
            } else {
                Arrays.fill(dst, off, off + n, (byte) 0);
            }
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** Feeds the first {@code length} bytes of the disk to a digest. */
    void digest(MessageDigest md, long length) throws IOException {
        byte[] buf = new byte[Sha256.BUFFER];
        for (long pos = 0; pos < length; ) {
            int n = (int) Math.min(buf.length, length - pos);
            read(pos, buf, 0, n);
            md.update(buf, 0, n);
            pos += n;
        }
    }

    /**
     * Ends the stream as a qcow2 image of {@code virtualSize} bytes (a multiple of 512, at most what was received):
     * clusters past it are dropped, the refcounts are written after the last cluster, the header last, all fsynced.
     * Running it again on the same stream gives the same file.
     */
    void finish(long virtualSize) throws IOException {
        if (virtualSize <= 0 || virtualSize % 512 != 0 || virtualSize > (received + 511) / 512 * 512 || virtualSize > capacity()) {
            throw new IllegalArgumentException("virtual size " + virtualSize + " does not fit a stream of " + received + " bytes");
        }
        storePartial();
        long keep = (virtualSize + CLUSTER - 1) / CLUSTER;
        int lastRegion = (int) ((keep - 1) / L2_ENTRIES);
        for (int r = lastRegion + 1; r < l1.length; r++) l1[r] = 0;
        load(lastRegion);
        for (int i = (int) (keep - (long) lastRegion * L2_ENTRIES); i < L2_ENTRIES; i++) {
            if (l2[i] != 0) {
                l2[i] = 0;
                l2Dirty = true;
            }
        }
        writeMaps();
        // allocation follows the stream, so what was dropped sat at the end of the file
        long end = 1 + l1Clusters;
        for (int r = lastRegion; r >= 0; r--) {
            if (l1[r] == 0) continue;
            end = Math.max(end, l1[r] / CLUSTER + 1);
            long[] t = r == region ? l2 : tableOf(r);
            for (long host : t) if (host != 0) end = Math.max(end, host / CLUSTER + 1);
            break;
        }
        next = end;
        ch.truncate(end * CLUSTER);

        int l1Size = (int) ((virtualSize + L2_SPAN - 1) / L2_SPAN);
        int l1Used = (l1Size * 8 + CLUSTER - 1) / CLUSTER;
        long[] refcounts = refcountClusters(end);
        long blocks = refcounts[0];
        long tableClusters = refcounts[1];
        long total = end + blocks + tableClusters;
        ByteBuffer block = ByteBuffer.allocate(CLUSTER);
        for (long b = 0; b < blocks; b++) {
            block.clear();
            Arrays.fill(block.array(), (byte) 0);
            for (int i = 0; i < REFCOUNTS_PER_BLOCK; i++) {
                long c = b * REFCOUNTS_PER_BLOCK + i;
                if (c >= total) break;
                boolean unusedL1 = c > l1Used && c <= l1Clusters;
                block.putShort(i * 2, (short) (unusedL1 ? 0 : 1));
            }
            DurableFiles.writeAt(ch, block, (end + b) * CLUSTER);
        }
        ByteBuffer table = ByteBuffer.allocate((int) (tableClusters * CLUSTER));
        for (long b = 0; b < blocks; b++) table.putLong((int) (b * 8), (end + b) * CLUSTER);
        DurableFiles.writeAt(ch, table, (end + blocks) * CLUSTER);

        DurableFiles.writeAt(ch, header(virtualSize, l1Size, (end + blocks) * CLUSTER, (int) tableClusters), 0);
        if (durable) ch.force(true);
    }

    /** How many refcount blocks and refcount table clusters an image of {@code end} other clusters needs: {blocks, table}. */
    static long[] refcountClusters(long end) {
        long blocks = 0;
        long tableClusters = 0;
        while (true) {
            long total = end + blocks + tableClusters;
            long needBlocks = (total + REFCOUNTS_PER_BLOCK - 1) / REFCOUNTS_PER_BLOCK;
            long needTable = (needBlocks * 8 + CLUSTER - 1) / CLUSTER;
            if (needBlocks == blocks && needTable == tableClusters) return new long[]{blocks, tableClusters};
            blocks = needBlocks;
            tableClusters = needTable;
        }
    }

    /** Cluster 0 of a version 3 qcow2 with 64 KiB clusters, its L1 table in cluster 1 and 16-bit refcounts. */
    static ByteBuffer header(long virtualSize, int l1Size, long refcountTableOffset, int refcountTableClusters) {
        ByteBuffer h = ByteBuffer.allocate(CLUSTER);
        h.putInt(0, 0x514649fb);
        h.putInt(4, 3);
        h.putInt(20, CLUSTER_BITS);
        h.putLong(24, virtualSize);
        h.putInt(36, l1Size);
        h.putLong(40, CLUSTER);
        h.putLong(48, refcountTableOffset);
        h.putInt(56, refcountTableClusters);
        h.putInt(96, REFCOUNT_ORDER);
        h.putInt(100, HEADER_LENGTH);
        return h;
    }

    /** The clusters a stream stores: guest cluster indices in ascending order, and where each is in the stream's file. */
    record Allocation(long[] guest, long[] host) {}

    /** Which guest clusters of the first {@code virtualSize} bytes are stored, and where (after {@link #finish}). */
    Allocation allocation(long virtualSize) throws IOException {
        long keep = (virtualSize + CLUSTER - 1) / CLUSTER;
        long[] guest = new long[1024];
        long[] host = new long[1024];
        int n = 0;
        for (int r = 0; r < l1.length && (long) r * L2_ENTRIES < keep; r++) {
            if (l1[r] == 0) continue;
            long[] t = r == region ? l2 : tableOf(r);
            for (int i = 0; i < L2_ENTRIES && (long) r * L2_ENTRIES + i < keep; i++) {
                if (t[i] == 0) continue;
                if (n == guest.length) {
                    guest = Arrays.copyOf(guest, n * 2);
                    host = Arrays.copyOf(host, n * 2);
                }
                guest[n] = (long) r * L2_ENTRIES + i;
                host[n++] = t[i];
            }
        }
        return new Allocation(Arrays.copyOf(guest, n), Arrays.copyOf(host, n));
    }

    /** Reads {@code len} bytes of the stream's file at {@code at}. */
    @FunctionalInterface
    interface Reader {
        void read(long at, byte[] dst, int len) throws IOException;
    }

    /** Reads this stream's file as it is. */
    Reader file() {
        return (at, dst, len) -> DurableFiles.readAt(ch, ByteBuffer.wrap(dst, 0, len), at);
    }

    /** A stream whose checkpoints and finish write but do not fsync: a working copy whose durability lies elsewhere. */
    Qcow2Stream withoutFsync() {
        durable = false;
        return this;
    }

    // ---- internals ----

    /** Stores one full cluster of guest cluster {@code g} unless it is all zeros; consecutive ones form one write. */
    private void storeCluster(long g, byte[] buf, int off) throws IOException {
        if (Arrays.mismatch(buf, off, off + CLUSTER, ZEROS, 0, CLUSTER) == -1) {
            flushRun();
            return;
        }
        int r = (int) (g / L2_ENTRIES);
        if (r >= l1.length) throw new IOException("the stream is larger than the " + capacity() + " bytes its L1 table maps");
        load(r);
        int i = (int) (g % L2_ENTRIES);
        long host = l2[i];
        if (host == 0) {
            if (l1[r] == 0) l1[r] = next++ * CLUSTER;
            host = next++ * CLUSTER;
            l2[i] = host;
            l2Dirty = true;
        }
        if (buf == partial) {
            flushRun();
            DurableFiles.writeAt(ch, ByteBuffer.wrap(buf, off, CLUSTER), host);
            return;
        }
        if (runBuf == buf && runHost + runLength == host && runFrom + runLength == off) {
            runLength += CLUSTER;
            return;
        }
        flushRun();
        runHost = host;
        runFrom = off;
        runLength = CLUSTER;
        runBuf = buf;
    }

    private void flushRun() throws IOException {
        if (runHost < 0) return;
        DurableFiles.writeAt(ch, ByteBuffer.wrap(runBuf, runFrom, runLength), runHost);
        runHost = -1;
        runBuf = null;
    }

    /** Writes the partial cluster, allocating it when it holds data (a mapped one is rewritten in place). */
    private void storePartial() throws IOException {
        if (received % CLUSTER == 0) return;
        long g = received / CLUSTER;
        boolean mapped = hostOf(g) != 0;
        if (mapped || Arrays.mismatch(partial, 0, CLUSTER, ZEROS, 0, CLUSTER) != -1) storeCluster(g, partial, 0);
    }

    /** Writes the current L2 table and the L1 table. */
    private void writeMaps() throws IOException {
        storeL2();
        ByteBuffer table = ByteBuffer.allocate(l1.length * 8);
        for (int r = 0; r < l1.length; r++) table.putLong(r * 8, l1[r] == 0 ? 0 : l1[r] | COPIED);
        DurableFiles.writeAt(ch, table, CLUSTER);
    }

    /** Where guest cluster {@code g} is stored; 0 when it is not (it reads as zeros). */
    private long hostOf(long g) throws IOException {
        int r = (int) (g / L2_ENTRIES);
        if (r == region) return l2[(int) (g % L2_ENTRIES)];
        if (r >= l1.length || l1[r] == 0) return 0;
        return tableOf(r)[(int) (g % L2_ENTRIES)];
    }

    /** The L2 table of a region that is not the current one, as stored (one kept in memory for sequential reads). */
    private long[] tableOf(int r) throws IOException {
        if (cachedRegion != r) {
            cached = readTable(l1[r]);
            cachedRegion = r;
        }
        return cached;
    }

    /** Makes region {@code r}'s L2 table the current one, writing out the one it replaces. */
    private void load(int r) throws IOException {
        if (r == region) return;
        storeL2();
        cachedRegion = -1;
        l2 = l1[r] == 0 ? new long[L2_ENTRIES] : readTable(l1[r]);
        region = r;
        l2Dirty = false;
    }

    private void storeL2() throws IOException {
        if (region < 0 || !l2Dirty || l1[region] == 0) return;
        ByteBuffer t = ByteBuffer.allocate(CLUSTER);
        for (int i = 0; i < L2_ENTRIES; i++) t.putLong(i * 8, l2[i] == 0 ? 0 : l2[i] | COPIED);
        DurableFiles.writeAt(ch, t, l1[region]);
        l2Dirty = false;
    }

    private long[] readTable(long at) throws IOException {
        ByteBuffer t = ByteBuffer.allocate(CLUSTER);
        DurableFiles.readAt(ch, t, at);
        long[] out = new long[L2_ENTRIES];
        for (int i = 0; i < L2_ENTRIES; i++) out[i] = t.getLong(i * 8) & OFFSET_MASK;
        return out;
    }
}
