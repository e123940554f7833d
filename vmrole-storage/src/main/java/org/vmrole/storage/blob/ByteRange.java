package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;

/** An inclusive byte range from {@code x-ms-range} or {@code Range} ("bytes=start-" or "bytes=start-end"). */
public record ByteRange(long start, Long end) {

    public static ByteRange from(StorageRequest r) {
        String v = r.header("x-ms-range");
        String header = "x-ms-range";
        if (v == null) {
            v = r.header("Range");
            header = "Range";
        }
        if (v == null) return null;
        String s = v.trim();
        if (!s.startsWith("bytes=")) throw StorageException.invalidHeader(header, v);
        String[] parts = s.substring(6).split("-", -1);
        try {
            if (parts.length != 2 || parts[0].isEmpty()) throw StorageException.invalidHeader(header, v);
            long start = Long.parseLong(parts[0]);
            Long end = parts[1].isEmpty() ? null : Long.parseLong(parts[1]);
            if (start < 0 || (end != null && end < start)) throw StorageException.invalidHeader(header, v);
            return new ByteRange(start, end);
        } catch (NumberFormatException e) {
            throw StorageException.invalidHeader(header, v);
        }
    }

    /** The last byte this range covers in a blob of {@code size}; 416 when it starts past the end. */
    public long endWithin(long size) {
        if (start >= size) {
            throw new StorageException(416, "InvalidRange", "The range specified is invalid for the current size of the resource.");
        }
        return end == null ? size - 1 : Math.min(end, size - 1);
    }

    public long length() { return end - start + 1; }
}
