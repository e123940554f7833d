package org.vmrole.server.cli;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * A request body that streams a range of a file and, on a thread of its own, adds every block it sends to a
 * running SHA-256, so the client's hash overlaps the transfer instead of preceding it. Memory stays at a few
 * blocks whatever the file's size. It can be sent once: a second subscription fails (the caller resumes with a
 * new body from what the server reports).
 */
final class HashingFileBody implements HttpRequest.BodyPublisher {
    /**
     * The HTTP client asks for one block at a time and takes the next only after the last is written, each time
     * through another thread: on a busy machine every hand-over waits for a core, so blocks are large (1 MiB blocks
     * sent 256 MiB in 2.2-4.1 s at load 5-6, 2 MiB in 0.7 s; 4 MiB no faster, with the heap in use 250 MiB instead of 70).
     */
    static final int BLOCK = 2 << 20;
    private static final int HASH_QUEUE = 4;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final Path file;
    private final long from;
    private final long to;
    private final Hasher hasher;
    private final LongConsumer sent;
    private final AtomicInteger subscriptions = new AtomicInteger();

    /**
     * @param digest the digest of the file's bytes before {@code from}; this body owns it from now on
     * @param sent told the file offset reached after each block handed to the HTTP client
     */
    HashingFileBody(Path file, long from, long to, MessageDigest digest, LongConsumer sent) {
        this.file = file;
        this.from = from;
        this.to = to;
        this.sent = sent;
        this.hasher = new Hasher(digest);
    }

    @Override
    public long contentLength() {
        return to - from;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (subscriptions.incrementAndGet() > 1) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) {}
                @Override public void cancel() {}
            });
            subscriber.onError(new IOException("the upload body was asked for twice; resuming from what the server holds"));
            return;
        }
        subscriber.onSubscribe(new Reading(subscriber));
    }

    /**
     * Waits for the hasher and answers the digest of the file's bytes up to {@code to}, or null when the body was
     * not sent to its end (the caller then hashes what the server holds from the file). Call once, always.
     */
    MessageDigest finish() {
        return hasher.finish();
    }

    /** Reads the next block when the HTTP client asks for one; never more than it asked for. */
    private final class Reading implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile boolean cancelled;
        private boolean done;
        private FileChannel channel;
        private long position = from;

        Reading(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive"));
                return;
            }
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            // one thread drains at a time; a request arriving meanwhile (even from onNext) is picked up by the loop
            if (wip.getAndIncrement() != 0) return;
            do {
                while (!done && !cancelled && demand.get() > 0) emit();
            } while (wip.decrementAndGet() != 0);
        }

        /** Synchronized with {@link #cancel}, which may come from another thread, so the file is closed exactly once. */
        private synchronized void emit() {
            if (cancelled) return;
            ByteBuffer block;
            try {
                if (channel == null) channel = FileChannel.open(file, StandardOpenOption.READ);
                block = ByteBuffer.allocate((int) Math.min(BLOCK, to - position));
                while (block.hasRemaining()) {
                    if (channel.read(block, position + block.position()) < 0) throw new IOException(file + " shrank while it was being uploaded");
                }
                block.flip();
            } catch (IOException e) {
                done = true;
                close();
                subscriber.onError(e);
                return;
            }
            position += block.remaining();
            hasher.add(block.duplicate());
            demand.decrementAndGet();
            sent.accept(position);
            subscriber.onNext(block);
            if (position == to) {
                done = true;
                hasher.complete();
                close();
                subscriber.onComplete();
            }
        }

        @Override
        public synchronized void cancel() {
            cancelled = true;
            close();
        }

        private void close() {
            try {
                if (channel != null) channel.close();
            } catch (IOException e) {
                // only read from: nothing was lost
            }
        }
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
                // after a failed send the caller may finish (and the hasher stop) while the HTTP client still reads
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
