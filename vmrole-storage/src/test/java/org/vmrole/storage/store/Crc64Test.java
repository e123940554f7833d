package org.vmrole.storage.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Crc64Test {
    /** The definition: one table lookup per byte. */
    private static long bytewise(byte[] b, int off, int len) {
        long c = ~0L;
        for (int i = off; i < off + len; i++) {
            c ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x9A6C9329AC4BC9B5L : c >>> 1;
        }
        return ~c;
    }

    private static long crc(byte[] b, int off, int len) {
        Crc64 c = new Crc64();
        c.update(b, off, len);
        return c.value();
    }

    @Test
    void eight_bytes_at_a_time_give_the_same_crc_as_one_at_a_time_at_every_length_and_offset() {
        byte[] data = new byte[300];
        new SplittableRandom(7).nextBytes(data);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len + off <= data.length; len += 7) assertThat(crc(data, off, len)).isEqualTo(bytewise(data, off, len));
        }
    }

    @Test
    void updates_in_pieces_give_the_crc_of_the_whole() {
        byte[] data = "The quick brown fox jumps over the lazy dog, more than once.".getBytes(StandardCharsets.US_ASCII);
        Crc64 pieces = new Crc64();
        pieces.update(data, 0, 5);
        pieces.update(data, 5, 17);
        pieces.update(data, 22, data.length - 22);
        assertThat(pieces.value()).isEqualTo(bytewise(data, 0, data.length)).isEqualTo(crc(data, 0, data.length));
    }

    @Test
    void the_check_value_of_the_crc_catalogue_is_crc_64_nvme_s() {
        // reveng's CRC catalogue, CRC-64/NVME (Azure's x-ms-content-crc64): "123456789" -> 0xAE8B14860A799888
        assertThat(crc("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9)).isEqualTo(0xAE8B14860A799888L);
    }

    @Test
    void four_interleaved_streams_give_the_same_crc_as_one_at_a_time_over_large_buffers() {
        byte[] data = new byte[3 * 16384 + 1000];
        new SplittableRandom(11).nextBytes(data);
        for (int off : new int[] {0, 1, 7, 4093}) {
            for (int len : new int[] {16383, 16384, 16385, 2 * 16384 + 9, data.length - off}) {
                assertThat(crc(data, off, len)).as("offset %d length %d", off, len).isEqualTo(bytewise(data, off, len));
            }
        }
    }

    @Test
    void a_large_buffer_in_uneven_pieces_gives_the_crc_of_the_whole() {
        byte[] data = new byte[100_000];
        new SplittableRandom(3).nextBytes(data);
        Crc64 pieces = new Crc64();
        pieces.update(data, 0, 3);
        pieces.update(data, 3, 20_000);
        pieces.update(data, 20_003, data.length - 20_003);
        assertThat(pieces.value()).isEqualTo(bytewise(data, 0, data.length));
    }
}
