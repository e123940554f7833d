package org.vmrole.host.drive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The 512-byte footer that ends a fixed VHD (Microsoft's "Virtual Hard Disk Image Format
 * Specification"): a drive's page blob is its disk followed by this footer, which the guest never sees.
 */
public record VhdFooter(long currentSize, int diskType, boolean checksumValid) {
    public static final int SIZE = 512;
    static final int FIXED = 2;
    private static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);

    /** Parses a footer; answers an error naming what is wrong when the bytes are not a VHD footer. */
    public static VhdFooter parse(byte[] footer) {
        if (footer.length != SIZE) throw new IllegalArgumentException("a VHD footer is 512 bytes, got " + footer.length);
        for (int i = 0; i < COOKIE.length; i++) {
            if (footer[i] != COOKIE[i]) throw new IllegalArgumentException("no VHD footer (cookie 'conectix' missing in the last 512 bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(footer);
        return new VhdFooter(b.getLong(48), b.getInt(60), b.getInt(64) == checksum(footer));
    }

    /** Checks that this footer ends a fixed VHD in a blob of {@code blobSize} bytes; the message says what to do instead. */
    public void requireFixedDisk(long blobSize) {
        if (!checksumValid) throw new IllegalArgumentException("VHD footer checksum is wrong: the blob is not an intact VHD");
        if (diskType != FIXED) throw new IllegalArgumentException("VHD disk type " + diskType + " is not fixed (2): convert it with qemu-img convert -O vpc -o subformat=fixed");
        if (currentSize != blobSize - SIZE) throw new IllegalArgumentException("VHD footer says " + currentSize + " bytes but the blob holds " + (blobSize - SIZE) + " before the footer");
    }

    /** A fixed-disk footer for a disk of {@code size} bytes (a multiple of 512). */
    public static byte[] fixed(long size) {
        if (size <= 0 || size % 512 != 0) throw new IllegalArgumentException("drive size must be a positive multiple of 512 bytes, got " + size);
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE);
        b.putInt(2);                      // features: reserved bit always set
        b.putInt(0x00010000);             // file format version 1.0
        b.putLong(-1L);                   // data offset: none for a fixed disk
        b.putInt((int) ((System.currentTimeMillis() / 1000) - 946684800L)); // seconds since 2000-01-01
        b.put("vmrl".getBytes(StandardCharsets.US_ASCII));
        b.putInt(0x00010000);
        b.put("Wi2k".getBytes(StandardCharsets.US_ASCII));
        b.putLong(size);                  // original size
        b.putLong(size);                  // current size
        b.putInt(geometry(size));
        b.putInt(FIXED);
        b.putInt(0);                      // checksum, filled below
        UUID id = UUID.randomUUID();
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        byte[] out = b.array();
        ByteBuffer.wrap(out).putInt(64, checksum(out));
        return out;
    }

    /** One's complement of the byte sum, the checksum field itself counted as zero. */
    private static int checksum(byte[] footer) {
        int sum = 0;
        for (int i = 0; i < SIZE; i++) if (i < 64 || i >= 68) sum += footer[i] & 0xff;
        return ~sum;
    }

    /** Cylinders, heads and sectors per track as the specification's appendix computes them. */
    private static int geometry(long size) {
        long sectors = Math.min(size / 512, 65535L * 16 * 255);
        long spt, heads, cth;
        if (sectors >= 65535L * 16 * 63) {
            spt = 255; heads = 16; cth = sectors / spt;
        } else {
            spt = 17; cth = sectors / spt;
            heads = Math.max((cth + 1023) / 1024, 4);
            if (cth >= heads * 1024 || heads > 16) { spt = 31; heads = 16; cth = sectors / spt; }
            if (cth >= heads * 1024) { spt = 63; heads = 16; cth = sectors / spt; }
        }
        long cylinders = cth / heads;
        return (int) ((cylinders << 16) | (heads << 8) | spt);
    }
}
