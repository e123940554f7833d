package org.vmrole.server.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * A request body that streams a range of a file and, on a thread of its own, adds every block it sends to a
 * running SHA-256, so the client's hash overlaps the transfer instead of preceding it. Memory stays at a few
 * blocks whatever the file's size. It can be sent once: a second send fails (the caller resumes with a new body
 * from what the server reports).
 */
final class HashingFileBody implements ApiClient.Body {
    /** Large enough that a write and a hand-over to the hasher are few per second; 2 MiB sent 256 MiB in 0.7 s here. */
    static final int BLOCK = 2 << 20;
    private static final int HASH_QUEUE = 4;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final Path file;
    private final long from;
    private final long to;
    private final Hasher hasher;
    private final LongConsumer sent;
    private final AtomicInteger sends = new AtomicInteger();

    /**
     * @param digest the digest of the file's bytes before {@code from}; this body owns it from now on
     * @param sent told the file offset reached after each block written
     */
    HashingFileBody(Path file, long from, long to, MessageDigest digest, LongConsumer sent) {
        this.file = file;
        this.from = from;
        this.to = to;
        this.sent = sent;
        this.hasher = new Hasher(digest);
    }

    @Override
    public long length() {
        return to - from;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        if (sends.incrementAndGet() > 1) throw new IOException("the upload body was sent twice; resuming from what the server holds");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long position = from; position < to; ) {
                ByteBuffer block = ByteBuffer.allocate((int) Math.min(BLOCK, to - position));
                while (block.hasRemaining()) {
                    if (channel.read(block, position + block.position()) < 0) throw new IOException(file + " shrank while it was being uploaded");
                }
                block.flip();
                hasher.add(block.duplicate());
                out.write(block.array(), 0, block.limit());
                position += block.limit();
                sent.accept(position);
            }
        }
        hasher.complete();
    }

    /**
     * Waits for the hasher and answers the digest of the file's bytes up to {@code to}, or null when the body was
     * not sent to its end (the caller then hashes what the server holds from the file). Call once, always.
     */
    MessageDigest finish() {
        return hasher.finish();
    }

    /** Hashes blocks in the order they were sent, on its own thread, at most {@link #HASH_QUEUE} blocks behind. */
    private static final class Hasher {
        private final MessageDigest digest;
        private final BlockingQueue<ByteBuffer> queue = new ArrayBlockingQueue<>(HASH_QUEUE);
        private final Thread thread;
        private volatile boolean complete;
        private volatile boolean finished;

        Hasher(MessageDigest digest) {
            this.digest = digest;
            this.thread = Thread.ofPlatform().daemon().name("upload-hasher").start(this::run);
        }

        private void run() {
            try {
                for (ByteBuffer b = queue.take(); b != END; b = queue.take()) digest.update(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void add(ByteBuffer block) {
            try {
                // after a failed send the caller may finish (and the hasher stop) before the body knows
                boolean queued = false;
                while (!queued && !finished) queued = queue.offer(block, 100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void complete() {
            complete = true;
        }

        MessageDigest finish() {
            finished = true;
            try {
                queue.put(END);
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure(1, "interrupted");
            }
            return complete ? digest : null;
        }
    }
}
