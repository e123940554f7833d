package org.vmrole.guest.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/** An exclusive lock on a cache directory shared by processes (test JVMs, the CLI): one fills it, the others wait. */
final class DirectoryLock {

    private DirectoryLock() {
    }

    /** Runs {@code body} holding {@code dir/.lock}; callers in one JVM must not nest it for the same directory. */
    static <T> T holding(Path dir, Supplier<T> body) {
        try {
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock();
                try {
                    return body.get();
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + dir + ": " + e.getMessage(), e);
        }
    }
}
