package org.vmrole.storage.store;

import org.vmrole.storage.StorageException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Immutable content files under {@code content/}: written to a temporary name, fsync'd, renamed, and
 * only then referenced by a metadata row. Files no row references are orphans, removed by
 * {@link #collectOrphans} unless a request is still writing or reading them.
 */
public final class ContentFiles {
    private static final java.util.regex.Pattern CONTENT_ID = java.util.regex.Pattern.compile("[0-9a-f-]{36}");
    /** Below half a G1 region of a small heap (1 MiB regions under 2 GiB), so a buffer per request is not a humongous allocation. */
    private static final int CHUNK = 256 << 10;

    /** A finished content file: its id (file name), length and the digests computed while writing. */
    public record Written(String id, long length, byte[] md5, long crc64) {}

    private final Path root;
    private final Set<String> inUse = ConcurrentHashMap.newKeySet();

    public ContentFiles(Path root) {
        this.root = root;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path(String id) {
        if (!CONTENT_ID.matcher(id).matches()) throw new IllegalArgumentException("bad content id " + id);
        return root.resolve(id.substring(0, 2)).resolve(id);
    }

    /**
     * Streams {@code in} (exactly {@code length} bytes, or to EOF when length is -1) into a new
     * durable file. The id stays marked in use until {@link #release}; call it after the metadata
     * commit (or failure).
     */
    public Written write(InputStream in, long length, long maxLength, boolean md5, boolean crc) {
        String id = UUID.randomUUID().toString();
        inUse.add(id);
        Path target = path(id);
        Path tmp = target.resolveSibling(id + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            MessageDigest digest = md5 ? MessageDigest.getInstance("MD5") : null;
            Crc64 crc64 = crc ? new Crc64() : null;
            long total = 0;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[CHUNK];
                ByteBuffer bb = ByteBuffer.wrap(buf);
                while (true) {
                    int want = length < 0 ? buf.length : (int) Math.min(buf.length, length - total);
                    if (want == 0) break;
                    int n = in.readNBytes(buf, 0, want);
                    if (n <= 0) break;
                    total += n;
                    if (total > maxLength) {
                        throw new StorageException(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit.");
                    }
                    if (digest != null) digest.update(buf, 0, n);
                    if (crc64 != null) crc64.update(buf, 0, n);
                    bb.clear().limit(n);
                    while (bb.hasRemaining()) ch.write(bb);
                    if (n < want) break;
                }
                if (length >= 0 && total != length) {
                    throw StorageException.badRequest("InvalidInput", "The request body is shorter than Content-Length.");
                }
                // fdatasync: the data and the file size; the name becomes durable with the directory sync below
                ch.force(false);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(target.getParent());
            return new Written(id, total, digest == null ? null : digest.digest(), crc64 == null ? 0 : crc64.value());
        } catch (IOException e) {
            deleteQuietly(tmp);
            inUse.remove(id);
            throw StorageException.badRequest("InvalidInput", "The request body could not be read: " + e.getMessage());
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            inUse.remove(id);
            throw e;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates an empty sparse file of the given size (page blobs). */
    public String createSparse(long size) {
        String id = UUID.randomUUID().toString();
        inUse.add(id);
        Path target = path(id);
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
                if (size > 0) ch.truncate(size);
                ch.force(true);
            }
            syncDirectory(target.getParent());
            return id;
        } catch (IOException e) {
            inUse.remove(id);
            throw new UncheckedIOException(e);
        }
    }

    /** Marks a file in use while a reader streams it, so collection never removes it underneath. */
    public void retain(String id) { inUse.add(id); }

    public void release(String id) { inUse.remove(id); }

    /** Deletes content files that {@code referenced} does not contain and no request is using. */
    public int collectOrphans(Set<String> referenced) {
        int removed = 0;
        try (Stream<Path> files = Files.walk(root, 2)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = p.getFileName().toString();
                String id = name.endsWith(".tmp") ? name.substring(0, name.length() - 4) : name;
                if (!referenced.contains(id) && !inUse.contains(id)) {
                    deleteQuietly(p);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // an orphan left behind is collected on the next pass
        }
    }
}
