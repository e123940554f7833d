package org.vmrole.guest.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Extracts the regular files a predicate wants from a tar stream (ustar, GNU long names, pax
 * paths), so the sample image takes a few files from the 400 MB kernel package without writing
 * the rest to disk.
 */
final class TarExtractor {

    private static final int BLOCK = 512;

    private TarExtractor() {
    }

    /** Extracts every regular file whose path (without a leading "./") {@code wanted} accepts; returns how many. */
    static int extract(InputStream tar, Predicate<String> wanted, Path into) throws IOException {
        byte[] header = new byte[BLOCK];
        String longName = null;
        int extracted = 0;
        while (readBlock(tar, header)) {
            if (isZero(header)) {
                return extracted;
            }
            long size = size(header);
            char type = (char) header[156];
            if (type == 'L' || type == 'x') {
                String meta = new String(readAll(tar, size), StandardCharsets.UTF_8);
                skipPadding(tar, size);
                longName = type == 'L' ? meta.replace("\0", "") : paxPath(meta, longName);
                continue;
            }
            String name = longName != null ? longName : ustarName(header);
            longName = null;
            String path = name.startsWith("./") ? name.substring(2) : name;
            if ((type == '0' || type == '\0') && !path.isEmpty() && wanted.test(path)) {
                Path target = into.resolve(path).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("tar entry '" + name + "' points outside " + into);
                }
                Files.createDirectories(target.getParent());
                Files.write(target, readAll(tar, size));
                skipPadding(tar, size);
                extracted++;
            } else {
                skipFully(tar, padded(size));
            }
        }
        return extracted;
    }

    private static String ustarName(byte[] header) {
        String name = field(header, 0, 100);
        String prefix = new String(header, 257, 6, StandardCharsets.US_ASCII).startsWith("ustar") ? field(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** A pax extended header: records "LEN key=value\n"; only path matters here. */
    private static String paxPath(String records, String current) {
        for (String record : records.split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 6);
            }
        }
        return current;
    }

    private static long size(byte[] header) {
        if ((header[124] & 0x80) != 0) {
            long v = 0;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        String octal = field(header, 124, 12).trim();
        return octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new IOException("tar stream ends inside a header");
        }
        return true;
    }

    private static byte[] readAll(InputStream in, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("tar entry of " + size + " bytes is too large");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) {
            throw new IOException("tar stream ends inside an entry");
        }
        return data;
    }

    private static void skipPadding(InputStream in, long size) throws IOException {
        skipFully(in, padded(size) - size);
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        in.skipNBytes(n);
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
