package org.vmrole.guest.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * A reproducible cpio archive in the "newc" format the kernel unpacks as an initramfs: entries
 * sorted by path, owned by root, mtime 0, inode numbers given in path order.
 */
public final class CpioArchive {

    private static final int DIRECTORY = 0040000, REGULAR = 0100000, SYMLINK = 0120000, CHAR_DEVICE = 0020000;

    private record Entry(int type, int mode, byte[] data, int major, int minor) {}

    private final Map<String, Entry> entries = new TreeMap<>();

    /** Adds a directory and, implicitly, its parents (mode 0755). */
    public CpioArchive directory(String path, int mode) {
        parents(path);
        entries.put(normalize(path), new Entry(DIRECTORY, mode, new byte[0], 0, 0));
        return this;
    }

    public CpioArchive file(String path, int mode, byte[] content) {
        parents(path);
        entries.put(normalize(path), new Entry(REGULAR, mode, content.clone(), 0, 0));
        return this;
    }

    public CpioArchive symlink(String path, String target) {
        parents(path);
        entries.put(normalize(path), new Entry(SYMLINK, 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0));
        return this;
    }

    public CpioArchive charDevice(String path, int mode, int major, int minor) {
        parents(path);
        entries.put(normalize(path), new Entry(CHAR_DEVICE, mode, new byte[0], major, minor));
        return this;
    }

    /** The archive bytes, ending with the TRAILER!!! record. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The archive compressed with gzip (header mtime 0, so also reproducible). */
    public byte[] toGzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            writeTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public void writeTo(OutputStream out) throws IOException {
        long[] written = {0};
        int inode = 1;
        for (var e : entries.entrySet()) {
            Entry entry = e.getValue();
            int nlink = entry.type == DIRECTORY ? 2 : 1;
            written[0] += header(out, e.getKey(), inode++, entry.type | (entry.mode & 07777), nlink,
                    entry.data.length, entry.major, entry.minor);
            out.write(entry.data);
            written[0] += entry.data.length;
            written[0] += pad(out, written[0]);
        }
        written[0] += header(out, "TRAILER!!!", 0, 0, 1, 0, 0, 0);
        pad(out, written[0]);
    }

    private static long header(OutputStream out, String name, int inode, int mode, int nlink, int size,
            int rdevMajor, int rdevMinor) throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String h = "070701" + hex(inode) + hex(mode) + hex(0) + hex(0) + hex(nlink) + hex(0) + hex(size)
                + hex(0) + hex(0) + hex(rdevMajor) + hex(rdevMinor) + hex(nameBytes.length) + hex(0);
        out.write(h.getBytes(StandardCharsets.US_ASCII));
        out.write(nameBytes);
        long length = h.length() + nameBytes.length;
        return length + pad(out, length);
    }

    private static int pad(OutputStream out, long length) throws IOException {
        int padding = (int) ((4 - length % 4) % 4);
        out.write(new byte[padding]);
        return padding;
    }

    private static String hex(int value) {
        return String.format("%08X", value);
    }

    private void parents(String path) {
        String p = normalize(path);
        for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
            entries.putIfAbsent(p.substring(0, i), new Entry(DIRECTORY, 0755, new byte[0], 0, 0));
        }
    }

    /** Paths are stored without a leading slash, as the kernel's own gen_init_cpio writes them. */
    private static String normalize(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty() || p.contains("//") || p.endsWith("/")) {
            throw new IllegalArgumentException("bad archive path '" + path + "'");
        }
        return p;
    }
}
