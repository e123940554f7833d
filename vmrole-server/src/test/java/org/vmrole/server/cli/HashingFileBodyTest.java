package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashingFileBodyTest {
    @TempDir Path dir;

    /** Takes one block at a time, as the HTTP client does, and keeps what it was given. */
    static class Collector implements Flow.Subscriber<ByteBuffer> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        boolean complete;
        Flow.Subscription subscription;

        @Override public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override public void onNext(ByteBuffer b) {
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            bytes.writeBytes(copy);
            subscription.request(1);
        }

        @Override public void onError(Throwable t) { error.set(t); }

        @Override public void onComplete() { complete = true; }
    }

    @Test
    void sends_the_range_in_order_and_answers_the_digest_of_the_whole_file_up_to_its_end() throws Exception {
        byte[] content = new byte[3 * HashingFileBody.BLOCK + 12345];
        new Random(7).nextBytes(content);
        Path file = Files.write(dir.resolve("disk.raw"), content);
        int from = HashingFileBody.BLOCK / 2 + 3;
        MessageDigest before = MessageDigest.getInstance("SHA-256");
        before.update(content, 0, from);

        HashingFileBody body = new HashingFileBody(file, from, content.length, before, at -> {});
        Collector c = new Collector();
        body.subscribe(c);
        MessageDigest whole = body.finish();

        assertThat(c.complete).isTrue();
        assertThat(body.contentLength()).isEqualTo(content.length - from);
        assertThat(c.bytes.toByteArray()).isEqualTo(Arrays.copyOfRange(content, from, content.length));
        assertThat(whole.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(content));
    }

    @Test
    void a_body_not_sent_to_its_end_gives_no_digest_and_cannot_be_sent_again() throws Exception {
        byte[] content = new byte[2 * HashingFileBody.BLOCK];
        Path file = Files.write(dir.resolve("disk.raw"), content);
        HashingFileBody body = new HashingFileBody(file, 0, content.length, MessageDigest.getInstance("SHA-256"), at -> {});
        Collector first = new Collector() {
            @Override public void onNext(ByteBuffer b) {
                subscription.cancel();
            }
        };
        body.subscribe(first);
        Collector second = new Collector();
        body.subscribe(second);

        assertThat(body.finish()).as("the digest of a partly sent body must not be used").isNull();
        assertThat(second.error.get()).hasMessageContaining("asked for twice");
    }
}
