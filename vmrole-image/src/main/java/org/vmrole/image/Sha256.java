package org.vmrole.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** SHA-256 digests as the repository writes them: {@code sha256:} and 64 lower-case hex digits. */
public final class Sha256 {
    /** Streaming buffer: large enough for full disk speed, small enough that memory stays flat. */
    static final int BUFFER = 256 * 1024;
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    private Sha256() {}

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    public static String format(byte[] digest) {
        return "sha256:" + HexFormat.of().formatHex(digest);
    }

    /**
     * Reads a digest a person or client wrote: {@code sha256:<hex>} or bare hex, any case.
     *
     * @throws IllegalArgumentException saying the expected form
     */
    public static String parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("sha256:")) t = t.substring(7);
        if (!HEX.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a SHA-256 digest; write 64 hex digits, optionally prefixed by sha256:");
        }
        return "sha256:" + t;
    }

    /** The 64 hex digits of a digest in {@code sha256:} form. */
    public static String hex(String digest) {
        return parse(digest).substring(7);
    }

    /** Digest of a file, read in fixed-size chunks. */
    public static String ofFile(Path file) throws IOException {
        MessageDigest md = newDigest();
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return format(md.digest());
    }

    /** Digest of a stream, read in fixed-size chunks. */
    public static String of(InputStream in) throws IOException {
        MessageDigest md = newDigest();
        byte[] b = new byte[BUFFER];
        int n;
        while ((n = in.read(b)) > 0) md.update(b, 0, n);
        return format(md.digest());
    }
}
