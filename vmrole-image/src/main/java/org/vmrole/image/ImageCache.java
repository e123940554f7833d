package org.vmrole.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's local copy of images, by digest. An image is fetched once, verified against its digest as it
 * streams in, and a file already in the cache is verified again before its first use by this process,
 * so a corrupted or tampered cache file is fetched anew instead of booted.
 */
public final class ImageCache {
    private static final Logger log = LoggerFactory.getLogger(ImageCache.class);

    private final Path dir;
    private final ImageSource source;
    private final Set<String> verified = ConcurrentHashMap.newKeySet();
    /**
     * One lock per digest: a boot that needs an image being fetched (by a prefetch, or another boot) waits for that fetch.
     * Locks, not monitors: a virtual thread waiting here for seconds must not hold its carrier (JDK 21 pins on monitors).
     */
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public ImageCache(Path dir, ImageSource source) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.source = source;
    }

    /**
     * The path of the verified qcow2 for a digest, fetching it if needed.
     *
     * @throws ImageRejectedException when the source's bytes do not match the digest (nothing is kept)
     */
    public Path get(String digest) throws IOException {
        String d = Sha256.parse(digest);
        Path file = dir.resolve(Sha256.hex(d) + ".qcow2");
        ReentrantLock lock = locks.computeIfAbsent(d, k -> new ReentrantLock());
        lock.lock();
        try {
            if (verified.contains(d) && Files.exists(file)) return file;
            if (Files.exists(file)) {
                String actual = Sha256.ofFile(file);
                if (actual.equals(d)) {
                    verified.add(d);
                    return file;
                }
                log.warn("cached image {} has digest {}; fetching it again", d, actual);
                Files.delete(file);
            }
            fetch(d, file);
            verified.add(d);
            return file;
        } finally {
            lock.unlock();
        }
    }

    /** True when the digest's file is in the cache (verified or not). */
    public boolean contains(String digest) {
        return Files.exists(dir.resolve(Sha256.hex(digest) + ".qcow2"));
    }

    /** The images in the cache (verified or not): digest to the file's size in bytes. Fetches in progress are not in it. */
    public Map<String, Long> cached() throws IOException {
        Map<String, Long> out = new java.util.HashMap<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".qcow2")) continue;
                try {
                    out.put(Sha256.parse(name.substring(0, name.length() - ".qcow2".length())), Files.size(f));
                } catch (IllegalArgumentException | java.nio.file.NoSuchFileException notAnImage) {
                    // not a file this cache wrote, or evicted meanwhile
                }
            }
        }
        return out;
    }

    /** The bytes still free for this cache on its disk. */
    public long freeBytes() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** Drops an image from the cache. */
    public void evict(String digest) throws IOException {
        String d = Sha256.parse(digest);
        ReentrantLock lock = locks.computeIfAbsent(d, k -> new ReentrantLock());
        lock.lock();
        try {
            verified.remove(d);
            Files.deleteIfExists(dir.resolve(Sha256.hex(d) + ".qcow2"));
        } finally {
            lock.unlock();
        }
    }

    private void fetch(String digest, Path file) throws IOException {
        Path part = dir.resolve(Sha256.hex(digest) + ".part-" + UUID.randomUUID());
        try {
            MessageDigest md = Sha256.newDigest();
            // hashed on a second thread while it is written; not fsynced: a file in the cache is hashed again before its
            // first use by a process, so one a crash left torn is fetched anew, never booted
            try (InputStream in = source.open(digest);
                 FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                HashingWriter.append(out, HashingWriter.sparseFile(out), 0, in, md, Long.MAX_VALUE, new long[1], false);
            }
            String actual = Sha256.format(md.digest());
            if (!actual.equals(digest)) {
                throw new ImageRejectedException("image " + digest + " fetched for the cache has digest " + actual
                        + "; refusing it. The source's copy is damaged or the digest is wrong");
            }
            DurableFiles.moveAtomically(part, file);
        } finally {
            Files.deleteIfExists(part);
        }
    }
}
