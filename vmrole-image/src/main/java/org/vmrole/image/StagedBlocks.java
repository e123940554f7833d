package org.vmrole.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.vmrole.model.blob.BlockBlobClient;
import org.vmrole.model.blob.BlockBlobClient.BlockList;

/**
 * What of an upload is in the Blob service: its staging blob's blocks, each named by the offset it starts at, that
 * follow each other without a gap from byte 0. Committed blocks come first; staged (uncommitted) blocks that continue
 * them count too (a server killed between its Put Block and Put Block List calls leaves such blocks, and their bytes
 * are as durable as the committed ones). A staged block that leaves a gap, or that starts inside another, does not count.
 *
 * @param blockIds the blocks in order, as a Put Block List names them
 * @param received the bytes they hold: where the upload goes on
 * @param pending  true when some of them are not committed yet (the bytes cannot be read back before a Put Block List)
 * @param etag     the staging blob's ETag, for a Put Block List that must not overwrite another writer's
 */
record StagedBlocks(List<String> blockIds, long received, boolean pending, String etag) {
    private static final String PREFIX = "o";
    /** A blob with no blocks yet. */
    static final StagedBlocks NONE = new StagedBlocks(List.of(), 0, false, "");

    StagedBlocks {
        blockIds = List.copyOf(blockIds);
    }

    /** The id of the block that starts at {@code offset}: one length for every block, as the service requires. */
    static String idAt(long offset) {
        return BlockBlobClient.blockId(PREFIX + String.format("%015d", offset));
    }

    /** The offset a block id names, or -1 when it is not one of ours. */
    static long offsetOf(String id) {
        try {
            String text = BlockBlobClient.blockText(id);
            return text.startsWith(PREFIX) && text.length() == 16 ? Long.parseLong(text.substring(1)) : -1;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    static StagedBlocks of(BlockList list) {
        List<String> ids = new ArrayList<>();
        long end = 0;
        for (BlockList.Block b : list.committed()) {
            if (offsetOf(b.id()) != end) break;
            ids.add(b.id());
            end += b.size();
        }
        int committed = ids.size();
        List<BlockList.Block> staged = list.uncommitted().stream().filter(b -> offsetOf(b.id()) >= 0 && b.size() > 0)
                .sorted(Comparator.comparingLong(b -> offsetOf(b.id()))).toList();
        for (BlockList.Block b : staged) {
            if (offsetOf(b.id()) != end) continue;
            ids.add(b.id());
            end += b.size();
        }
        return new StagedBlocks(ids, end, ids.size() > committed, list.etag());
    }

    /** These blocks and the ones written after them. */
    StagedBlocks plus(List<String> more, long bytes) {
        List<String> all = new ArrayList<>(blockIds);
        all.addAll(more);
        return new StagedBlocks(all, received + bytes, pending || !more.isEmpty(), etag);
    }
}
