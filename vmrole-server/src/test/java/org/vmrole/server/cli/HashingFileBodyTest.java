package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashingFileBodyTest {
    @TempDir Path dir;

    @Test
    void sends_the_range_in_order_and_answers_the_digest_of_the_whole_file_up_to_its_end() throws Exception {
        byte[] content = new byte[3 * HashingFileBody.BLOCK + 12345];
        new Random(7).nextBytes(content);
        Path file = Files.write(dir.resolve("disk.raw"), content);
        int from = HashingFileBody.BLOCK / 2 + 3;
        MessageDigest before = MessageDigest.getInstance("SHA-256");
        before.update(content, 0, from);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();

        HashingFileBody body = new HashingFileBody(file, from, content.length, before, at -> {});
        body.writeTo(sent);
        MessageDigest whole = body.finish();

        assertThat(body.length()).isEqualTo(content.length - from);
        assertThat(sent.toByteArray()).isEqualTo(Arrays.copyOfRange(content, from, content.length));
        assertThat(whole.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(content));
    }

    @Test
    void a_body_not_sent_to_its_end_gives_no_digest_and_cannot_be_sent_again() throws Exception {
        byte[] content = new byte[2 * HashingFileBody.BLOCK];
        Path file = Files.write(dir.resolve("disk.raw"), content);
        HashingFileBody body = new HashingFileBody(file, 0, content.length, MessageDigest.getInstance("SHA-256"), at -> {});
        OutputStream brokenAfterOneBlock = new OutputStream() {
            int writes;

            @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

            @Override public void write(byte[] b, int off, int len) throws IOException {
                if (++writes > 1) throw new IOException("connection reset");
            }
        };

        assertThatThrownBy(() -> body.writeTo(brokenAfterOneBlock)).hasMessageContaining("connection reset");
        assertThatThrownBy(() -> body.writeTo(new ByteArrayOutputStream())).hasMessageContaining("sent twice");
        assertThat(body.finish()).as("the digest of a partly sent body must not be used").isNull();
    }
}
