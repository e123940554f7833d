package org.vmrole.model.drive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * The 512-byte footer that makes a raw disk a fixed VHD (Microsoft's "Virtual Hard Disk Image Format Specification"):
 * a drive's page blob is its disk followed by this footer, so a downloaded copy opens in {@code qemu-img -f vpc} and
 * Hyper-V. Pure: builds footers and reads them back, with the checksum checked.
 */
public final class FixedVhd {
    public static final int FOOTER_BYTES = 512;
    /** Azure's limit for a VHD in a page blob (a drive): 1 TiB of disk. */
    public static final long MAX_DISK_BYTES = 1L << 40;

    private static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);
    private static final int FIXED = 2;
    /** VHD timestamps count seconds from 2000-01-01T00:00:00Z. */
    private static final long EPOCH_2000 = 946_684_800L;

    private FixedVhd() {}

    /** The problem with a disk size, or null when it can be a fixed VHD. */
    public static String sizeProblem(long diskBytes) {
        if (diskBytes <= 0) return "size " + diskBytes + " must be positive";
        if (diskBytes % 512 != 0) {
            return "size " + diskBytes + " bytes is not a multiple of 512 (a VHD is whole sectors); use " + (diskBytes / 512 + 1) * 512 + " or a MiB size such as 64MiB";
        }
        if (diskBytes > MAX_DISK_BYTES) return "size " + diskBytes + " bytes is more than a drive may hold (1 TiB)";
        return null;
    }

    /** The footer of a fixed disk of {@code diskBytes}, made at {@code created} with this unique id. */
    public static byte[] footer(long diskBytes, Instant created, UUID id) {
        String problem = sizeProblem(diskBytes);
        if (problem != null) throw new IllegalArgumentException(problem);
        ByteBuffer b = ByteBuffer.allocate(FOOTER_BYTES);
        b.put(COOKIE);
        b.putInt(2);                                   // features: the reserved bit, always set
        b.putInt(0x0001_0000);                          // file format version 1.0
        b.putLong(-1L);                                 // data offset: none, a fixed disk has no dynamic header
        b.putInt((int) (created.getEpochSecond() - EPOCH_2000));
        // creator "win " (Hyper-V): readers such as qemu then take the size from the footer, not from the CHS geometry
        b.put("win ".getBytes(StandardCharsets.US_ASCII));
        b.putInt(0x000A_0000);                          // creator version
        b.put("Wi2k".getBytes(StandardCharsets.US_ASCII)); // creator host OS
        b.putLong(diskBytes);                           // original size
        b.putLong(diskBytes);                           // current size
        b.putInt(geometry(diskBytes / 512));
        b.putInt(FIXED);
        b.putInt(0);                                    // checksum, filled in below
        b.putLong(id.getMostSignificantBits());
        b.putLong(id.getLeastSignificantBits());
        byte[] out = b.array();
        ByteBuffer.wrap(out, 64, 4).putInt(checksum(out));
        return out;
    }

    /** Reads a footer: the disk size it describes, or an {@link IllegalArgumentException} saying what is wrong. */
    public static long diskBytes(byte[] footer) {
        if (footer.length != FOOTER_BYTES) throw new IllegalArgumentException("a VHD footer is 512 bytes, not " + footer.length);
        ByteBuffer b = ByteBuffer.wrap(footer);
        byte[] cookie = new byte[8];
        b.get(cookie);
        if (!java.util.Arrays.equals(cookie, COOKIE)) throw new IllegalArgumentException("not a VHD: the last 512 bytes do not start with 'conectix'");
        int stored = b.getInt(64);
        if (stored != checksum(footer)) throw new IllegalArgumentException("VHD footer checksum " + Integer.toHexString(stored) + " does not match its bytes");
        if (b.getInt(60) != FIXED) throw new IllegalArgumentException("VHD disk type " + b.getInt(60) + " is not a fixed disk (2); convert it: qemu-img convert -O vpc -o subformat=fixed");
        return b.getLong(48);
    }

    /** One's complement of the sum of every byte but the checksum's own four. */
    static int checksum(byte[] footer) {
        int sum = 0;
        for (int i = 0; i < footer.length; i++) if (i < 64 || i >= 68) sum += footer[i] & 0xff;
        return ~sum;
    }

    /** Cylinders, heads and sectors per track as the VHD specification's appendix computes them. */
    static int geometry(long totalSectors) {
        long sectors = Math.min(totalSectors, 65535L * 16 * 255);
        long spt;
        long heads;
        long cylTimesHeads;
        if (sectors >= 65535L * 16 * 63) {
            spt = 255;
            heads = 16;
            cylTimesHeads = sectors / spt;
        } else {
            spt = 17;
            cylTimesHeads = sectors / spt;
            heads = Math.max(4, (cylTimesHeads + 1023) / 1024);
            if (cylTimesHeads >= heads * 1024 || heads > 16) {
                spt = 31;
                heads = 16;
                cylTimesHeads = sectors / spt;
            }
            if (cylTimesHeads >= heads * 1024) {
                spt = 63;
                heads = 16;
                cylTimesHeads = sectors / spt;
            }
        }
        long cylinders = cylTimesHeads / heads;
        return (int) ((cylinders << 16) | (heads << 8) | spt);
    }
}
