package org.vmrole.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The qcow2 a raw upload is stored as, laid out so that its data is the upload's staged blocks themselves: the header
 * and L1 table ({@link #head}), then every stored guest cluster in guest order (the bytes of the raw disk, as the
 * staging blob's data blocks hold them; all-zero clusters are left out, as the zero blocks are), then the L2 tables and
 * refcounts ({@link #tail}). The Blob service can then assemble the image from blocks it already holds plus two small
 * new ones, and the raw disk's bytes are sent once. A pure function of the virtual size and of which clusters hold
 * data, so the same disk always gives the same file however it was uploaded.
 */
final class ComposedQcow2 {
    private static final int CLUSTER = Qcow2Stream.CLUSTER;
    private static final int L2_ENTRIES = CLUSTER / 8;
    private static final int REFCOUNTS_PER_BLOCK = CLUSTER / 2;

    private final byte[] head;
    private final byte[] tail;
    private final long clusters;

    private ComposedQcow2(byte[] head, byte[] tail, long clusters) {
        this.head = head;
        this.tail = tail;
        this.clusters = clusters;
    }

    /** The image of a disk of {@code virtualSize} bytes whose stored clusters are {@code guest} (ascending cluster indices). */
    static ComposedQcow2 of(long virtualSize, long[] guest) {
        long l2Span = (long) L2_ENTRIES * CLUSTER;
        int l1Size = Math.toIntExact((virtualSize + l2Span - 1) / l2Span);
        int l1Clusters = Math.max(1, (l1Size * 8 + CLUSTER - 1) / CLUSTER);
        long dataStart = 1 + l1Clusters;
        int regions = 0;
        for (int i = 0; i < guest.length; i++) if (i == 0 || guest[i] / L2_ENTRIES != guest[i - 1] / L2_ENTRIES) regions++;
        long end = dataStart + guest.length + regions;
        long[] refcounts = Qcow2Stream.refcountClusters(end);
        long blocks = refcounts[0];
        long tableClusters = refcounts[1];
        long total = end + blocks + tableClusters;

        ByteBuffer h = ByteBuffer.allocate(Math.toIntExact(dataStart * CLUSTER));
        h.put(Qcow2Stream.header(virtualSize, l1Size, (end + blocks) * CLUSTER, (int) tableClusters));
        ByteBuffer t = ByteBuffer.allocate(Math.toIntExact((total - dataStart - guest.length) * CLUSTER));
        // L2 tables, one per region that holds data, in region order
        long table = dataStart + guest.length - 1;
        long region = -1;
        for (int i = 0; i < guest.length; i++) {
            long r = guest[i] / L2_ENTRIES;
            if (r != region) {
                region = r;
                table++;
                h.putLong(Math.toIntExact(CLUSTER + r * 8), table * CLUSTER | Qcow2Stream.COPIED);
            }
            long at = (table - dataStart - guest.length) * CLUSTER + (guest[i] % L2_ENTRIES) * 8;
            t.putLong(Math.toIntExact(at), (dataStart + i) * CLUSTER | Qcow2Stream.COPIED);
        }
        long blocksAt = (long) regions * CLUSTER;
        for (long c = 0; c < total; c++) {
            t.putShort(Math.toIntExact(blocksAt + (c / REFCOUNTS_PER_BLOCK) * CLUSTER + (c % REFCOUNTS_PER_BLOCK) * 2), (short) 1);
        }
        long tableAt = blocksAt + blocks * CLUSTER;
        for (long b = 0; b < blocks; b++) t.putLong(Math.toIntExact(tableAt + b * 8), (end + b) * CLUSTER);
        return new ComposedQcow2(h.array(), t.array(), guest.length);
    }

    /** The header and L1 table: the image's first bytes. */
    byte[] head() {
        return head;
    }

    /** The L2 tables, refcount blocks and refcount table: the image's last bytes. */
    byte[] tail() {
        return tail;
    }

    /** Where the tail starts. */
    long tailOffset() {
        return head.length + clusters * CLUSTER;
    }

    /** The size of the image. */
    long size() {
        return tailOffset() + tail.length;
    }

    /**
     * True when the staged blocks are this image's data exactly: the data blocks, in order, cover the stored clusters
     * {@code guest} and nothing else (every cluster wholly by data or wholly by zero blocks; the last one may end at
     * {@code received}, its padding being the image's). False when a cluster was split between kinds, e.g. an all-zero
     * cluster that arrived in two requests: then the image is sent rather than assembled.
     */
    static boolean assembledBy(List<StagedBlocks.Block> blocks, long received, long[] guest) {
        int next = 0;
        long cluster = -1;
        boolean data = false;
        for (StagedBlocks.Block b : blocks) {
            for (int i = 0; i < b.pieces(); i++) {
                long pos = b.pieceStart(i);
                long g = pos / CLUSTER;
                if (g != cluster) {
                    if (pos % CLUSTER != 0) return false;
                    if (cluster >= 0 && data && (next >= guest.length || guest[next++] != cluster)) return false;
                    cluster = g;
                    data = b.present(i);
                } else if (data != b.present(i)) {
                    return false;
                }
            }
        }
        if (cluster >= 0 && data && (next >= guest.length || guest[next++] != cluster)) return false;
        return next == guest.length && (blocks.isEmpty() ? 0 : blocks.getLast().offset() + blocks.getLast().length()) == received;
    }

    /** Where the bytes of the image go, in order. */
    @FunctionalInterface
    interface Sink {
        void accept(byte[] buf, int off, int len) throws IOException;
    }

    /** Writes the whole image, its clusters read from the stream's working copy at {@code host} (one per stored cluster). */
    void writeTo(Sink sink, Qcow2Stream.Reader source, long[] host) throws IOException {
        sink.accept(head, 0, head.length);
        byte[] buf = new byte[16 * CLUSTER];
        for (int i = 0; i < host.length; ) {
            // consecutive clusters of the working copy are read together
            int n = 1;
            while (i + n < host.length && n < 16 && host[i + n] == host[i] + (long) n * CLUSTER) n++;
            source.read(host[i], buf, n * CLUSTER);
            sink.accept(buf, 0, n * CLUSTER);
            i += n;
        }
        sink.accept(tail, 0, tail.length);
    }
}
