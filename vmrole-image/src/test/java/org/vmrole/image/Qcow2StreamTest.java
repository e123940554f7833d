package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qcow2StreamTest {
    private static final int MIB = 1 << 20;
    private static final long MAX = 64L << 30;

    @TempDir Path tmp;

    /** A disk with random clusters, zero clusters, a cluster zero but for its last byte, and an unaligned end. */
    private static byte[] disk(int bytes, long seed) {
        byte[] d = new byte[bytes];
        Random r = new Random(seed);
        for (int at = 0; at < bytes; at += Qcow2Stream.CLUSTER) {
            int n = Math.min(Qcow2Stream.CLUSTER, bytes - at);
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    byte[] c = new byte[n];
                    r.nextBytes(c);
                    System.arraycopy(c, 0, d, at, n);
                }
                case 2 -> d[at + n - 1] = 7;
                default -> { /* zeros */ }
            }
        }
        return d;
    }

    private Path raw(String name, byte[] disk) throws IOException {
        return Files.write(tmp.resolve(name), disk);
    }

    /** Streams {@code disk} in chunks of the given sizes (the last repeated), one write per chunk, then finishes. */
    private Path stream(String name, byte[] disk, long virtualSize, int... chunks) throws IOException {
        Path file = tmp.resolve(name);
        try (FileChannel ch = open(file)) {
            Qcow2Stream s = Qcow2Stream.create(ch, Qcow2Stream.Progress.start(MAX));
            int at = 0;
            for (int i = 0; at < disk.length; i++) {
                int n = Math.min(chunks[Math.min(i, chunks.length - 1)], disk.length - at);
                s.write(disk, at, n);
                at += n;
            }
            s.finish(virtualSize);
        }
        return file;
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static String check(Path qcow2) throws IOException {
        return Images.qemuImg(List.of("check", "-f", "qcow2", qcow2.toString()));
    }

    @Test
    void writes_a_raw_disk_as_a_qcow2_that_qemu_reads_as_the_same_disk() throws Exception {
        byte[] disk = disk(8 * MIB + 1536, 1);
        Path qcow2 = stream("a.qcow2", disk, disk.length, 100_003);

        assertThat(check(qcow2)).contains("No errors were found");
        assertThat(Images.qemuImg(List.of("info", "--output=json", "-f", "qcow2", qcow2.toString())))
                .contains("\"virtual-size\": " + disk.length).doesNotContain("backing");
        assertThat(Images.compare(raw("a.raw", disk), "raw", qcow2, "qcow2")).isZero();
        assertThat(Files.size(qcow2)).as("zero clusters take no space").isLessThan(disk.length);
    }

    @Test
    void the_same_disk_gives_the_same_file_however_it_is_split() throws IOException {
        byte[] disk = disk(4 * MIB + 512, 2);
        Path whole = stream("whole.qcow2", disk, disk.length, disk.length);
        Path pieces = stream("pieces.qcow2", disk, disk.length, 1, 65_535, 7, 300_000);

        assertThat(Files.readAllBytes(pieces)).isEqualTo(Files.readAllBytes(whole));
    }

    @Test
    void resumes_from_a_checkpoint_and_drops_what_a_crashed_writer_added_after_it() throws IOException {
        byte[] disk = disk(6 * MIB, 3);
        Path whole = stream("whole.qcow2", disk, disk.length, disk.length);
        Path file = tmp.resolve("resumed.qcow2");
        Random r = new Random(4);
        Qcow2Stream.Progress saved = Qcow2Stream.Progress.start(MAX);
        try (FileChannel ch = open(file)) {
            Qcow2Stream.create(ch, saved);
        }
        while (saved.received() < disk.length) {
            try (FileChannel ch = open(file)) {
                Qcow2Stream s = Qcow2Stream.resume(ch, saved);
                int n = (int) Math.min(r.nextInt(700_000) + 1, disk.length - saved.received());
                s.write(disk, (int) saved.received(), n);
                saved = s.checkpoint();
                // a writer that dies before its next checkpoint: random bytes that must leave no trace
                byte[] junk = new byte[r.nextInt(300_000) + 1];
                r.nextBytes(junk);
                s.write(junk, 0, junk.length);
                s.checkpoint();
            }
        }
        try (FileChannel ch = open(file)) {
            Qcow2Stream s = Qcow2Stream.resume(ch, saved);
            MessageDigest md = Sha256.newDigest();
            s.digest(md, disk.length);
            assertThat(md.digest()).as("the disk read back from the stream").isEqualTo(Sha256.newDigest().digest(disk));
            s.finish(disk.length);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(whole));
    }

    @Test
    void after_a_failed_write_it_refuses_to_checkpoint_and_resumes_from_the_last_checkpoint() throws IOException {
        byte[] disk = disk(3 * MIB, 6);
        Path whole = stream("whole.qcow2", disk, disk.length, disk.length);
        Path file = tmp.resolve("failed.qcow2");
        Qcow2Stream.Progress saved;
        try (FileChannel ch = open(file)) {
            Qcow2Stream s = Qcow2Stream.create(ch, Qcow2Stream.Progress.start(MAX));
            s.write(disk, 0, MIB + 100);
            saved = s.checkpoint();
        }
        try (FileChannel readOnly = FileChannel.open(file, StandardOpenOption.READ)) {
            Qcow2Stream s = Qcow2Stream.resume(readOnly, saved);
            assertThatThrownBy(() -> s.write(disk, MIB + 100, MIB)).isInstanceOf(RuntimeException.class);
            assertThat(s.broken()).isTrue();
            assertThatThrownBy(s::checkpoint).isInstanceOf(IOException.class).hasMessageContaining("cannot checkpoint");
        }
        try (FileChannel ch = open(file)) {
            Qcow2Stream s = Qcow2Stream.resume(ch, saved);
            s.write(disk, (int) saved.received(), disk.length - (int) saved.received());
            s.finish(disk.length);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(whole));
    }

    @Test
    void maps_a_disk_larger_than_one_l2_table_and_allocates_only_its_data() throws Exception {
        long size = 1100L * MIB;
        long[] dataAt = {0, 512L * MIB - 65_536, 512L * MIB, 700L * MIB + 12_345, size - 4096};
        Path raw = tmp.resolve("big.raw");
        Path qcow2 = tmp.resolve("big.qcow2");
        try (FileChannel rawCh = open(raw); FileChannel ch = open(qcow2)) {
            rawCh.truncate(size);
            Qcow2Stream s = Qcow2Stream.create(ch, Qcow2Stream.Progress.start(MAX));
            byte[] buf = new byte[Sha256.BUFFER];
            for (long at = 0; at < size; at += buf.length) {
                Arrays.fill(buf, (byte) 0);
                for (long d : dataAt) {
                    if (d >= at && d < at + buf.length) {
                        int off = (int) (d - at);
                        Arrays.fill(buf, off, Math.min(buf.length, off + 4096), (byte) 0x5a);
                        rawCh.write(ByteBuffer.wrap(buf, off, Math.min(buf.length, off + 4096) - off), d);
                    }
                }
                s.write(buf, 0, (int) Math.min(buf.length, size - at));
            }
            s.finish(size);
        }

        assertThat(check(qcow2)).contains("No errors were found");
        assertThat(Images.compare(raw, "raw", qcow2, "qcow2")).isZero();
        // header, L1, three L2 tables, five data clusters, one refcount block and table
        assertThat(Files.size(qcow2)).isEqualTo(12L * Qcow2Stream.CLUSTER);
    }

    @Test
    void finishing_short_of_what_arrived_drops_the_bytes_past_the_virtual_size_and_can_be_repeated() throws Exception {
        byte[] disk = disk(2 * MIB, 5);
        byte[] withFooter = Arrays.copyOf(disk, disk.length + 512);
        Arrays.fill(withFooter, disk.length, withFooter.length, (byte) 0x33);
        Path file = tmp.resolve("fixed.qcow2");
        Qcow2Stream.Progress saved;
        try (FileChannel ch = open(file)) {
            Qcow2Stream s = Qcow2Stream.create(ch, Qcow2Stream.Progress.start(MAX));
            s.write(withFooter, 0, withFooter.length);
            saved = s.checkpoint();
            s.finish(disk.length);
        }
        byte[] first = Files.readAllBytes(file);
        try (FileChannel ch = open(file)) {
            Qcow2Stream.resume(ch, saved).finish(disk.length);
        }

        assertThat(check(file)).contains("No errors were found");
        assertThat(Images.compare(raw("fixed.raw", disk), "raw", file, "qcow2")).isZero();
        assertThat(Files.readAllBytes(file)).as("finishing again gives the same file").isEqualTo(first);
    }
}
