package org.vmrole.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Crash-safe file steps (write to a temporary file, fsync, rename over the target, fsync the folder) and whole positional reads and writes. */
final class DurableFiles {
    private DurableFiles() {}

    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        moveAtomically(tmp, target);
    }

    /** Renames within one file system and makes the rename itself durable. */
    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically; keep the repository on one file system", e);
        }
        syncDirectory(to.getParent());
    }

    /** Writes all of {@code b} at {@code at} (a positional write may write less than asked). */
    static void writeAt(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }

    /** Reads {@code b}'s remaining bytes from {@code at}; past the end of the file they are zeros. */
    static void readAt(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                java.util.Arrays.fill(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit(), (byte) 0);
                return;
            }
            pos += n;
        }
    }

    static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Deletes the folders under {@code dir} (and {@code dir}) that hold no files; folders with files stay. */
    static void deleteEmptyFolders(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                try (java.util.stream.Stream<Path> in = Files.list(p)) {
                    if (in.findAny().isEmpty()) Files.delete(p);
                }
            }
        }
    }
}
