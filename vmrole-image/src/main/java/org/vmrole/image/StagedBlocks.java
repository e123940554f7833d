package org.vmrole.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.vmrole.model.blob.BlockBlobClient;
import org.vmrole.model.blob.BlockBlobClient.BlockList;

/**
 * What of an upload is in the Blob service: its staging blob's blocks, each named by the range of the upload it holds,
 * that follow each other without a gap from byte 0. A block holds that range's bytes, or (a zero block) one byte
 * standing for a range that is all zeros, so the empty parts of a raw disk cost no transfer. Committed blocks come
 * first; staged (uncommitted) blocks that continue them count too (a server killed between its Put Block and Put Block
 * List calls leaves such blocks, and their bytes are as durable as the committed ones). A block that leaves a gap, or
 * whose stored size does not fit its name, does not count.
 *
 * @param blocks   the blocks in order, as a Put Block List names them
 * @param received the bytes they stand for: where the upload goes on
 * @param pending  true when some of them are not committed yet (they cannot be read back before a Put Block List)
 * @param etag     the staging blob's ETag, for a Put Block List that must not overwrite another writer's
 */
record StagedBlocks(List<Block> blocks, long received, boolean pending, String etag) {
    /** A block: the range {@code [offset, offset + length)} of the upload, as its bytes or as one byte standing for zeros. */
    record Block(String id, long offset, long length, boolean zeros) {
        /** The bytes the Blob service holds for it. */
        long stored() {
            return zeros ? 1 : length;
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
        return new Block(id('o', offset, length), offset, length, false);
    }

    /** The block standing for {@code length} zero bytes at {@code offset}. */
    static Block zeros(long offset, long length) {
        return new Block(id('z', offset, length), offset, length, true);
    }

    /**
     * A block of an image assembled from staged blocks that is not one of the upload's bytes (its head, padding or tail):
     * its id has the same length, and it is never counted as received.
     */
    static Block part(char kind, long length) {
        return new Block(id(kind, 0, length), 0, length, false);
    }

    private static String id(char kind, long offset, long length) {
        return BlockBlobClient.blockId(kind + String.format("%015d%010d", offset, length));
    }

    /** The block an id names, or empty when it is not one of ours. */
    static Optional<Block> parse(String id) {
        try {
            String text = BlockBlobClient.blockText(id);
            if (text.length() != 26 || (text.charAt(0) != 'o' && text.charAt(0) != 'z')) return Optional.empty();
            long offset = Long.parseLong(text.substring(1, 16));
            long length = Long.parseLong(text.substring(16));
            return Optional.of(new Block(id, offset, length, text.charAt(0) == 'z'));
        } catch (IllegalArgumentException e) {
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
