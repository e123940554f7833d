package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashingWriterTest {
    @TempDir Path tmp;

    @Test
    void writes_and_hashes_a_stream_longer_than_the_early_fsync_step_intact() throws IOException {
        long length = 2 * HashingWriter.WRITEBACK_STEP + 12345;
        Path file = Files.createFile(tmp.resolve("data"));
        MessageDigest running = Sha256.newDigest();
        long[] progress = {0};

        HashingWriter.Outcome out;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out = HashingWriter.append(ch, HashingWriter.sparseFile(ch), 0, new Pattern(length), running, Long.MAX_VALUE, progress);
        }

        assertThat(out.written()).isEqualTo(length);
        assertThat(out.tooLarge()).isFalse();
        assertThat(Files.size(file)).isEqualTo(length);
        String expected = Sha256.of(new Pattern(length));
        assertThat(Sha256.format(running.digest())).isEqualTo(expected);
        assertThat(Sha256.ofFile(file)).isEqualTo(expected);
    }

    /** Non-zero bytes that differ from block to block, generated as they are read. */
    private static final class Pattern extends InputStream {
        private final long length;
        private long pos;

        Pattern(long length) {
            this.length = length;
        }

        @Override
        public int read() {
            return pos < length ? value(pos++) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= length) return -1;
            int n = (int) Math.min(len, length - pos);
            for (int i = 0; i < n; i++) b[off + i] = (byte) value(pos++);
            return n;
        }

        private static int value(long p) {
            return (int) ((p * 31 + (p >>> 20)) % 251) + 1;
        }
    }
}
