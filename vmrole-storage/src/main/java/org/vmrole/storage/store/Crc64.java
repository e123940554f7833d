package org.vmrole.storage.store;

/** Azure Storage's CRC-64 (polynomial 0x9A6C9329AC4BC9B5, reflected, inverted), as {@code x-ms-content-crc64} carries it. */
public final class Crc64 {
    private static final long POLY = 0x9A6C9329AC4BC9B5L;
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            TABLE[i] = c;
        }
    }

    private long crc = ~0L;

    public void update(byte[] b, int off, int len) {
        long c = crc;
        for (int i = off; i < off + len; i++) c = TABLE[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
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
