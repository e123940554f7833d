package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposedQcow2Test {
    private static final int CLUSTER = Qcow2Stream.CLUSTER;

    @TempDir Path tmp;

    /** Random clusters, all-zero clusters, a cluster zero but for one byte, and an end in the middle of a cluster. */
    private static byte[] disk(int bytes) {
        byte[] d = new byte[bytes];
        Random r = new Random(5);
        for (int at = 0; at < bytes; at += CLUSTER) {
            int n = Math.min(CLUSTER, bytes - at);
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    byte[] c = new byte[n];
                    r.nextBytes(c);
                    System.arraycopy(c, 0, d, at, n);
                }
                case 2 -> d[at + n / 2] = 9;
                default -> { /* zeros */ }
            }
        }
        return d;
    }

    /** The disk through a {@link Qcow2Stream} and then composed: the bytes of the image. */
    private byte[] composed(byte[] disk) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp.resolve("stream.qcow2"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Qcow2Stream s = Qcow2Stream.create(ch, Qcow2Stream.Progress.start(64L << 30));
            s.write(disk, 0, disk.length);
            long virtualSize = (disk.length + 511) / 512 * 512;
            s.finish(virtualSize);
            Qcow2Stream.Allocation a = s.allocation(virtualSize);
            ComposedQcow2 image = ComposedQcow2.of(virtualSize, a.guest());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            image.writeTo(out::write, s.file(), a.host());
            assertThat((long) out.size()).isEqualTo(image.size());
            return out.toByteArray();
        }
    }

    @Test
    void the_composed_image_is_a_clean_qcow2_of_the_same_disk() throws Exception {
        byte[] disk = disk(9 * CLUSTER * 8192 / 64 + 12_345);
        Path qcow2 = Files.write(tmp.resolve("composed.qcow2"), composed(disk));

        assertThat(Images.qemuImg(List.of("check", "-f", "qcow2", qcow2.toString()))).contains("No errors were found");
        assertThat(Images.compare(Files.write(tmp.resolve("disk.raw"), disk), "raw", qcow2, "qcow2")).isZero();
        assertThat(Files.size(qcow2)).as("all-zero clusters take no space").isLessThan(disk.length);
    }

    @Test
    void a_disk_over_two_l2_tables_composes_to_a_clean_qcow2() throws Exception {
        // an L2 table maps 512 MiB: a disk with data at both ends of 600 MiB needs two, and most of it is holes
        byte[] disk = new byte[3 * CLUSTER];
        new Random(6).nextBytes(disk);
        Path file = tmp.resolve("big.qcow2");
        long virtualSize = 600L << 20;
        long[] guest = {0, 1, (virtualSize / CLUSTER) - 1};
        ComposedQcow2 image = ComposedQcow2.of(virtualSize, guest);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        image.writeTo(out::write, (at, dst, len) -> System.arraycopy(disk, (int) at, dst, 0, len), new long[]{0, CLUSTER, 2L * CLUSTER});
        Files.write(file, out.toByteArray());

        assertThat(Images.qemuImg(List.of("check", "-f", "qcow2", file.toString()))).contains("No errors were found");
        Path back = tmp.resolve("big.raw");
        Images.qemuImg(List.of("convert", "-f", "qcow2", "-O", "raw", file.toString(), back.toString()));
        try (FileChannel ch = FileChannel.open(back)) {
            assertThat(ch.size()).isEqualTo(virtualSize);
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(CLUSTER);
            ch.read(last, virtualSize - CLUSTER);
            assertThat(last.array()).isEqualTo(java.util.Arrays.copyOfRange(disk, 2 * CLUSTER, 3 * CLUSTER));
        }
    }

    @Test
    void the_same_disk_composes_to_the_same_bytes() throws IOException {
        byte[] disk = disk(40 * CLUSTER + 100);
        assertThat(composed(disk)).isEqualTo(composed(disk));
    }

    @Test
    void a_block_names_the_zero_clusters_it_leaves_out() {
        java.util.BitSet absent = new java.util.BitSet();
        absent.set(1);
        absent.set(3);
        // from the middle of cluster 7 to past cluster 11: pieces 7 (partial), 8, 9, 10, 11, 12 (partial)
        var b = StagedBlocks.without(7L * CLUSTER + 100, 5L * CLUSTER, absent);
        var parsed = StagedBlocks.parse(b.id()).orElseThrow();

        assertThat(parsed).isEqualTo(b);
        assertThat(parsed.pieces()).isEqualTo(6);
        assertThat(parsed.stored()).isEqualTo(3L * CLUSTER);
        assertThat(parsed.present(1)).isFalse();
        assertThat(parsed.present(2)).isTrue();
        java.util.BitSet partial = new java.util.BitSet();
        partial.set(0);
        assertThat(StagedBlocks.parse(StagedBlocks.without(7L * CLUSTER + 100, 5L * CLUSTER, partial).id()))
                .as("only whole clusters can be left out").isEmpty();
    }

    @Test
    void staged_blocks_assemble_the_image_only_when_each_cluster_is_wholly_data_or_wholly_zeros() {
        long[] guest = {0, 2, 3};
        long end = 3L * CLUSTER + 100;
        var data0 = StagedBlocks.data(0, CLUSTER);
        var zeros1 = StagedBlocks.zeros(CLUSTER, CLUSTER);
        var data23 = StagedBlocks.data(2L * CLUSTER, CLUSTER + 100);
        assertThat(ComposedQcow2.assembledBy(List.of(data0, zeros1, data23), end, guest)).isTrue();
        assertThat(ComposedQcow2.assembledBy(List.of(data0, zeros1, StagedBlocks.data(2L * CLUSTER, 500), StagedBlocks.data(2L * CLUSTER + 500, CLUSTER - 400)),
                end, guest)).as("a cluster in two data blocks (two requests)").isTrue();
        assertThat(ComposedQcow2.assembledBy(List.of(data0, StagedBlocks.data(CLUSTER, 10), StagedBlocks.data(CLUSTER + 10, CLUSTER - 10), data23), end, guest))
                .as("an all-zero cluster that arrived in two pieces was staged as data").isFalse();
        assertThat(ComposedQcow2.assembledBy(List.of(StagedBlocks.data(0, 2L * CLUSTER), data23), end, guest))
                .as("zeros sent as data (past the block count)").isFalse();
        assertThat(ComposedQcow2.assembledBy(List.of(data0, zeros1), 2L * CLUSTER, guest)).as("clusters missing").isFalse();
    }
}
