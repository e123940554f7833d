package org.vmrole.storage.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Azure Storage's CRC-64 (polynomial 0x9A6C9329AC4BC9B5, reflected, inverted), as {@code x-ms-content-crc64} carries it.
 * Eight bytes per step (slicing-by-8): the service computes it over every block and page it is sent, and a table lookup
 * per byte held a Put Block to about 100 MB/s of CPU.
 */
public final class Crc64 {
    private static final long POLY = 0x9A6C9329AC4BC9B5L;
    private static final long[][] TABLES = new long[8][256];
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        for (int i = 0; i < 256; i++) {
            long c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            TABLES[0][i] = c;
        }
        for (int t = 1; t < 8; t++) {
            for (int i = 0; i < 256; i++) TABLES[t][i] = (TABLES[t - 1][i] >>> 8) ^ TABLES[0][(int) (TABLES[t - 1][i] & 0xff)];
        }
    }

    private long crc = ~0L;

    public void update(byte[] b, int off, int len) {
        long c = crc;
        int i = off;
        int end = off + len;
        long[] t0 = TABLES[0], t1 = TABLES[1], t2 = TABLES[2], t3 = TABLES[3], t4 = TABLES[4], t5 = TABLES[5], t6 = TABLES[6], t7 = TABLES[7];
        for (; i + 8 <= end; i += 8) {
            long x = c ^ (long) LONG_LE.get(b, i);
            c = t7[(int) (x & 0xff)] ^ t6[(int) ((x >>> 8) & 0xff)] ^ t5[(int) ((x >>> 16) & 0xff)] ^ t4[(int) ((x >>> 24) & 0xff)]
                    ^ t3[(int) ((x >>> 32) & 0xff)] ^ t2[(int) ((x >>> 40) & 0xff)] ^ t1[(int) ((x >>> 48) & 0xff)] ^ t0[(int) (x >>> 56)];
        }
        for (; i < end; i++) c = t0[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
        crc = c;
    }

    public long value() { return ~crc; }

    /** The 8 little-endian bytes Azure sends base64-encoded. */
    public static byte[] toBytes(long v) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) out[i] = (byte) (v >>> (8 * i));
        return out;
    }
}
