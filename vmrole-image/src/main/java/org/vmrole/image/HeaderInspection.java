package org.vmrole.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Recognises an uploaded image by its own bytes, before any other program opens it. qemu-img's format
 * probing is never used on untrusted input: probing would open files an image names (a VMDK descriptor's
 * extents, a qcow2 backing or data file), so the format found here is passed to qemu-img with {@code -f}.
 * Backing files, external data files, differencing VHDs, encryption and foreign formats are refused here.
 */
public final class HeaderInspection {
    /** How much of the start of a file is read: enough for a qcow2 header and its extensions in the first cluster. */
    public static final int HEAD_BYTES = 64 * 1024;
    static final int FOOTER_BYTES = 512;

    private static final int QCOW2_INCOMPAT_EXTERNAL_DATA = 1 << 2;
    private static final int QCOW2_EXT_END = 0;
    private static final int QCOW2_EXT_DATA_FILE = 0x44415441;

    /** What the bytes say: the format and, where the header states it, the virtual size. */
    public record Sniffed(ImageFormat format, OptionalLong declaredVirtualSize) {}

    private HeaderInspection() {}

    /** Reads the start and end of a file and inspects them. */
    public static Sniffed inspect(Path file, String image) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(HEAD_BYTES, size));
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) { /* fill */ }
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(FOOTER_BYTES, size));
            long at = size - tail.capacity();
            while (tail.hasRemaining() && ch.read(tail, at + tail.position()) > 0) { /* fill */ }
            return inspect(head.array(), tail.array(), size, image);
        }
    }

    /**
     * True when a file that {@link #inspect} accepted as qcow2 can be kept exactly as it is: version 2, or version 3 with
     * no incompatible feature bit set (not dirty, not marked corrupt, no extended L2 or other compression type), and no
     * internal snapshots. Anything else is converted, which gives a plain qcow2.
     */
    public static boolean plainQcow2(Path file) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(104);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) { /* fill */ }
        }
        if (h.position() < 72 || !startsWith(h.array(), 0, "QFI\u00fb") || h.getInt(60) != 0) return false;
        int version = h.getInt(4);
        return version == 2 || (version == 3 && h.position() == 104 && h.getLong(72) == 0);
    }

    /**
     * Pure: decides from the first bytes (up to {@link #HEAD_BYTES}), the last 512 bytes and the length.
     *
     * @throws ImageRejectedException naming what is wrong and how to make an acceptable image
     */
    public static Sniffed inspect(byte[] head, byte[] tail, long size, String image) {
        if (size == 0) throw new ImageRejectedException("image '" + image + "' refused: the upload is empty. Upload the disk image file");
        ByteBuffer h = ByteBuffer.wrap(head);
        if (startsWith(head, 0, "QFI\u00fb")) return qcow(h, image);
        if (startsWith(head, 0, "conectix")) return vhd(h, 0, image, "dynamic");
        if (startsWith(head, 0, "vhdxfile")) return new Sniffed(ImageFormat.VHDX, OptionalLong.empty());
        String foreign = foreignFormat(head);
        if (foreign != null) {
            throw new ImageRejectedException("image '" + image + "' refused: it is a " + foreign + " image, which is not accepted. "
                    + "Upload VHD, VHDX, qcow2 or raw, e.g. qemu-img convert -O qcow2 IN OUT");
        }
        if (tail.length == FOOTER_BYTES && startsWith(tail, 0, "conectix")) {
            return vhd(ByteBuffer.wrap(tail), 0, image, "fixed");
        }
        return new Sniffed(ImageFormat.RAW, OptionalLong.of(size));
    }

    private static Sniffed qcow(ByteBuffer h, String image) {
        if (h.capacity() < 72) throw corrupt(image, "its qcow2 header is cut short");
        int version = h.getInt(4);
        if (version != 2 && version != 3) {
            throw new ImageRejectedException("image '" + image + "' refused: it is a qcow version " + version
                    + " image; only qcow2 (versions 2 and 3) is accepted. Convert it: qemu-img convert -O qcow2 IN OUT");
        }
        long backingOffset = h.getLong(8);
        int backingSize = h.getInt(16);
        if (backingOffset != 0 && backingSize != 0) {
            String backing = "(name unreadable)";
            if (backingOffset > 0 && backingOffset + backingSize <= h.capacity() && backingSize <= 1023) {
                backing = new String(h.array(), (int) backingOffset, backingSize, StandardCharsets.UTF_8);
            }
            throw new ImageRejectedException("image '" + image + "' refused: it names a backing file (" + backing
                    + "). Upload a self-contained image: qemu-img convert -O qcow2 IN OUT");
        }
        long virtualSize = h.getLong(24);
        int cryptMethod = h.getInt(32);
        if (cryptMethod != 0) {
            throw new ImageRejectedException("image '" + image + "' refused: it is encrypted. Upload an unencrypted image: qemu-img convert -O qcow2 IN OUT");
        }
        if (version == 3) {
            if (h.capacity() < 104) throw corrupt(image, "its qcow2 version 3 header is cut short");
            long incompatible = h.getLong(72);
            String dataFile = dataFileName(h, h.getInt(100));
            if ((incompatible & QCOW2_INCOMPAT_EXTERNAL_DATA) != 0 || dataFile != null) {
                throw new ImageRejectedException("image '" + image + "' refused: it keeps its data in an external data file ("
                        + (dataFile == null ? "name unreadable" : dataFile) + "). Upload a self-contained image: qemu-img convert -O qcow2 IN OUT");
            }
        }
        if (virtualSize < 0) throw corrupt(image, "its qcow2 header gives a negative virtual size");
        return new Sniffed(ImageFormat.QCOW2, OptionalLong.of(virtualSize));
    }

    /** Walks the qcow2 header extensions for an external data file name; null when there is none. */
    private static String dataFileName(ByteBuffer h, int headerLength) {
        int pos = headerLength;
        for (int i = 0; i < 64 && pos >= 72 && pos + 8 <= h.capacity(); i++) {
            int type = h.getInt(pos);
            int len = h.getInt(pos + 4);
            if (type == QCOW2_EXT_END || len < 0) return null;
            if (type == QCOW2_EXT_DATA_FILE) {
                int n = Math.min(len, Math.max(0, h.capacity() - pos - 8));
                return new String(h.array(), pos + 8, n, StandardCharsets.UTF_8);
            }
            pos += 8 + ((len + 7) & ~7);
        }
        return null;
    }

    private static Sniffed vhd(ByteBuffer footer, int at, String image, String kind) {
        if (footer.capacity() < at + 64) throw corrupt(image, "its VHD footer is cut short");
        long currentSize = footer.getLong(at + 48);
        int diskType = footer.getInt(at + 60);
        return switch (diskType) {
            case 2, 3 -> new Sniffed(ImageFormat.VPC, OptionalLong.of(currentSize));
            case 4 -> throw new ImageRejectedException("image '" + image + "' refused: it is a differencing VHD, which names a parent disk (a backing file). "
                    + "Merge it into a self-contained image: qemu-img convert -O qcow2 IN OUT");
            default -> throw corrupt(image, "its " + kind + " VHD footer gives disk type " + diskType + " (expected 2 fixed or 3 dynamic)");
        };
    }

    /** Formats qemu knows but the repository does not take; named so the person knows what they uploaded. */
    private static String foreignFormat(byte[] head) {
        if (startsWith(head, 0, "KDMV") || startsWith(head, 0, "COWD")) return "VMDK";
        String text = new String(head, 0, Math.min(head.length, 1024), StandardCharsets.ISO_8859_1);
        if (text.contains("# Disk DescriptorFile") || text.contains("# Disk Descriptor File") || text.contains("#Disk Descriptor File")
                || text.contains("#Disk DescriptorFile")) return "VMDK (descriptor)";
        if (head.length >= 0x44 && (head[0x40] & 0xff) == 0x7f && (head[0x41] & 0xff) == 0x10 && (head[0x42] & 0xff) == 0xda && (head[0x43] & 0xff) == 0xbe) return "VDI";
        if (startsWith(head, 0, "QED\0")) return "QED";
        if (startsWith(head, 0, "LUKS\u00ba\u00be")) return "LUKS";
        if (startsWith(head, 0, "WithoutFreeSpace") || startsWith(head, 0, "WithouFreSpacExt")) return "Parallels";
        if (startsWith(head, 0, "Bochs Virtual HD Image")) return "Bochs";
        if (startsWith(head, 0, "#!/bin/sh\n#V2.0 Format")) return "cloop";
        return null;
    }

    private static ImageRejectedException corrupt(String image, String what) {
        return new ImageRejectedException("image '" + image + "' refused: it is damaged: " + what + ". Recreate the image and upload it again");
    }

    private static boolean startsWith(byte[] b, int at, String magic) {
        if (b.length < at + magic.length()) return false;
        for (int i = 0; i < magic.length(); i++) {
            if ((b[at + i] & 0xff) != (magic.charAt(i) & 0xff)) return false;
        }
        return true;
    }
}
