package org.vmrole.guest.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Makes a VHD written by {@code qemu-img convert -O vpc} reproducible: qemu stamps its footer with
 * the current time and a random unique id; this sets both to fixed values and fixes the checksum,
 * in the footer at the end and in its copy at the start of a dynamic disk.
 */
public final class VhdFooter {

    static final int SIZE = 512, TIMESTAMP = 24, CHECKSUM = 64, UNIQUE_ID = 68;
    /** VHD timestamps count seconds from 2000-01-01T00:00:00Z. */
    static final long VHD_EPOCH = 946684800L;

    private VhdFooter() {
    }

    public static void makeReproducible(Path vhd, long epochSeconds, byte[] uniqueId) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "rw")) {
            long end = f.length() - SIZE;
            patch(f, end, epochSeconds, uniqueId);
            byte[] head = new byte[8];
            f.seek(0);
            f.readFully(head);
            if (new String(head, StandardCharsets.US_ASCII).equals("conectix") && end != 0) {
                patch(f, 0, epochSeconds, uniqueId);
            }
        }
    }

    private static void patch(RandomAccessFile f, long offset, long epochSeconds, byte[] uniqueId) throws IOException {
        byte[] footer = new byte[SIZE];
        f.seek(offset);
        f.readFully(footer);
        if (!new String(footer, 0, 8, StandardCharsets.US_ASCII).equals("conectix")) {
            throw new IOException("no VHD footer at offset " + offset + " of the converted image");
        }
        rewrite(footer, epochSeconds, uniqueId);
        f.seek(offset);
        f.write(footer);
    }

    /** Sets timestamp and unique id in a 512-byte footer and recomputes its checksum. */
    static void rewrite(byte[] footer, long epochSeconds, byte[] uniqueId) {
        ByteBuffer b = ByteBuffer.wrap(footer);
        b.putInt(TIMESTAMP, (int) (epochSeconds - VHD_EPOCH));
        System.arraycopy(uniqueId, 0, footer, UNIQUE_ID, 16);
        b.putInt(CHECKSUM, 0);
        int sum = 0;
        for (byte x : footer) {
            sum += x & 0xff;
        }
        b.putInt(CHECKSUM, ~sum);
    }
}
