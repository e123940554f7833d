package org.vmrole.image;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.vmrole.model.blob.BlockBlobClient;
import org.vmrole.model.blob.BlockBlobClient.BlockList;

/**
 * What of an upload is in the Blob service: its staging blob's blocks, each named by the range of the upload it holds,
 * that follow each other without a gap from byte 0. A block holds that range's bytes but for the all-zero clusters its
 * name lists as absent (the range cut at the upload's 64 KiB cluster boundaries into pieces; only whole clusters can be
 * absent), or (a zero block) one byte standing for a range that is all zeros, so the empty parts of a raw disk cost no
 * transfer, and its stored bytes are the data clusters of the qcow2 it becomes ({@link ComposedQcow2}). Committed blocks
 * come first; staged (uncommitted) blocks that continue them count too (a server killed between its Put Block and Put
 * Block List calls leaves such blocks, and their bytes are as durable as the committed ones). A block that leaves a
 * gap, or whose stored size does not fit its name, does not count.
 *
 * @param blocks   the blocks in order, as a Put Block List names them
 * @param received the bytes they stand for: where the upload goes on
 * @param pending  true when some of them are not committed yet (they cannot be read back before a Put Block List)
 * @param etag     the staging blob's ETag, for a Put Block List that must not overwrite another writer's
 */
record StagedBlocks(List<Block> blocks, long received, boolean pending, String etag) {
    /** The unit of absent zeros: a qcow2 cluster, aligned in the upload. */
    static final int PIECE = Qcow2Stream.CLUSTER;
    /** The most pieces a block's name can list (a 128-bit mask): a block spans at most 8 MiB of aligned clusters when it has absent ones. */
    static final int MAX_PIECES = 128;

    /**
     * A block: the range {@code [offset, offset + length)} of the upload, as its bytes without the {@code absent} pieces,
     * or as one byte standing for zeros.
     */
    record Block(String id, long offset, long length, boolean zeros, BitSet absent) {
        Block {
            absent = (BitSet) absent.clone();
        }

        /** The bytes the Blob service holds for it. */
        long stored() {
            if (zeros) return 1;
            long s = length;
            for (int i = absent.nextSetBit(0); i >= 0; i = absent.nextSetBit(i + 1)) s -= pieceEnd(i) - pieceStart(i);
            return s;
        }

        /** How many pieces the range is cut into at cluster boundaries. */
        int pieces() {
            return length == 0 ? 0 : Math.toIntExact((offset + length - 1) / PIECE - offset / PIECE + 1);
        }

        long pieceStart(int i) {
            return i == 0 ? offset : (offset / PIECE + i) * PIECE;
        }

        long pieceEnd(int i) {
            return Math.min(offset + length, (offset / PIECE + i + 1) * PIECE);
        }

        /** True when piece {@code i}'s bytes are stored (not zeros left out). */
        boolean present(int i) {
            return !zeros && !absent.get(i);
        }
    }

    /** A blob with no blocks yet. */
    static final StagedBlocks NONE = new StagedBlocks(List.of(), 0, false, "");

    StagedBlocks {
        blocks = List.copyOf(blocks);
    }

    List<String> blockIds() {
        return blocks.stream().map(Block::id).toList();
    }

    /** The block holding {@code length} bytes at {@code offset}: one id length for every block, as the service requires. */
    static Block data(long offset, long length) {
        return new Block(id('o', offset, length, new BitSet()), offset, length, false, new BitSet());
    }

    /** The block standing for {@code length} zero bytes at {@code offset}. */
    static Block zeros(long offset, long length) {
        return new Block(id('z', offset, length, new BitSet()), offset, length, true, new BitSet());
    }

    /** The block holding {@code length} bytes at {@code offset} but for the all-zero pieces {@code absent} (at most {@link #MAX_PIECES}). */
    static Block without(long offset, long length, BitSet absent) {
        Block probe = data(offset, length);
        if (absent.isEmpty()) return probe;
        if (absent.cardinality() == probe.pieces()) return zeros(offset, length);
        if (absent.length() > MAX_PIECES) throw new IllegalArgumentException("a block names at most " + MAX_PIECES + " absent pieces");
        return new Block(id('m', offset, length, absent), offset, length, false, absent);
    }

    /**
     * A block of an image assembled from staged blocks that is not one of the upload's bytes (its head, padding or tail):
     * its id has the same length, and it is never counted as received.
     */
    static Block part(char kind, long length) {
        return new Block(id(kind, 0, length, new BitSet()), 0, length, false, new BitSet());
    }

    private static String id(char kind, long offset, long length, BitSet absent) {
        long[] words = absent.toLongArray();
        return BlockBlobClient.blockId(kind + String.format("%015d%010d%016x%016x", offset, length,
                words.length > 1 ? words[1] : 0, words.length > 0 ? words[0] : 0));
    }

    /** The block an id names, or empty when it is not one of ours (ids of 26 characters are an earlier version's, without a mask). */
    static Optional<Block> parse(String id) {
        try {
            String text = BlockBlobClient.blockText(id);
            char kind = text.charAt(0);
            if ((text.length() != 26 && text.length() != 58) || (kind != 'o' && kind != 'z' && kind != 'm')) return Optional.empty();
            long offset = Long.parseLong(text.substring(1, 16));
            long length = Long.parseLong(text.substring(16, 26));
            BitSet absent = new BitSet();
            if (text.length() == 58) {
                absent = BitSet.valueOf(new long[]{Long.parseUnsignedLong(text.substring(42), 16), Long.parseUnsignedLong(text.substring(26, 42), 16)});
            }
            if (kind != 'm' && !absent.isEmpty()) return Optional.empty();
            Block b = new Block(id, offset, length, kind == 'z', absent);
            if (kind == 'm' && (absent.length() > b.pieces() || absent.isEmpty())) return Optional.empty();
            for (int i = absent.nextSetBit(0); i >= 0; i = absent.nextSetBit(i + 1)) {
                if (b.pieceEnd(i) - b.pieceStart(i) != PIECE) return Optional.empty();
            }
            return Optional.of(b);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    static StagedBlocks of(BlockList list) {
        List<Block> out = new ArrayList<>();
        long end = 0;
        for (BlockList.Block b : list.committed()) {
            Optional<Block> block = parse(b.id()).filter(k -> k.stored() == b.size() && k.length() > 0);
            if (block.isEmpty() || block.get().offset() != end) break;
            out.add(block.get());
            end += block.get().length();
        }
        int committed = out.size();
        List<Block> staged = new ArrayList<>();
        for (BlockList.Block b : list.uncommitted()) parse(b.id()).filter(k -> k.stored() == b.size() && k.length() > 0).ifPresent(staged::add);
        staged.sort(Comparator.comparingLong(Block::offset));
        for (Block b : staged) {
            if (b.offset() != end) continue;
            out.add(b);
            end += b.length();
        }
        return new StagedBlocks(out, end, out.size() > committed, list.etag());
    }

    /** These blocks and the ones written after them. */
    StagedBlocks plus(List<Block> more) {
        List<Block> all = new ArrayList<>(blocks);
        all.addAll(more);
        return new StagedBlocks(all, received + more.stream().mapToLong(Block::length).sum(), pending || !more.isEmpty(), etag);
    }
}
