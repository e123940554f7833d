package org.vmrole.lb;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class RequestHeadRewriterTest {

    private static final String XFF = "X-Forwarded-For: 192.0.2.7\r\n";

    private final EndpointCounters counters = new EndpointCounters();
    private volatile boolean draining;
    private int closeAsked;
    private int notIdempotent;
    private final EmbeddedChannel channel = new EmbeddedChannel(new RequestHeadRewriter("192.0.2.7", () -> draining, () -> closeAsked++, () -> notIdempotent++, counters));

    private void arrive(String... pieces) {
        InboundText.arrive(channel, pieces);
    }

    private String forwarded() {
        return InboundText.passedOn(channel);
    }

    @Test
    void adds_the_header_at_the_end_of_a_head_that_arrives_in_pieces() {
        arrive("GET /a HTTP/1.1\r\nHo", "st: x\r\n\r", "\n");

        assertThat(forwarded()).isEqualTo("GET /a HTTP/1.1\r\nHost: x\r\n" + XFF + "\r\n");
    }

    @Test
    void adds_the_header_to_each_of_two_pipelined_requests() {
        arrive("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(forwarded()).isEqualTo("GET /1 HTTP/1.1\r\nHost: x\r\n" + XFF + "\r\n"
                + "GET /2 HTTP/1.1\r\nHost: x\r\n" + XFF + "\r\n");
    }

    @Test
    void streams_a_content_length_body_untouched_even_when_it_looks_like_a_request() {
        String body = "GET /not-a-request HTTP/1.1\r\n\r\n";
        arrive("POST / HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 10),
                body.substring(10) + "GET /next HTTP/1.1\r\n\r\n");

        assertThat(forwarded()).isEqualTo("POST / HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n" + XFF + "\r\n"
                + body + "GET /next HTTP/1.1\r\n" + XFF + "\r\n");
    }

    @Test
    void follows_a_chunked_body_split_anywhere_to_the_next_request() {
        String chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        String body = "a;ext=1\r\n0123456789\r\n3\r\n\r\n\r\r\n0\r\nTrailer: t\r\n\r\n";
        String next = "GET /next HTTP/1.1\r\n\r\n";
        String all = chunked + body + next;
        for (int i = 0; i < all.length(); i++) {
            arrive(all.substring(i, i + 1));
        }

        assertThat(forwarded()).isEqualTo(chunked.substring(0, chunked.length() - 2) + XFF + "\r\n" + body
                + "GET /next HTTP/1.1\r\n" + XFF + "\r\n");
    }

    @Test
    void passes_the_rest_of_the_connection_untouched_after_an_upgrade_request() {
        arrive("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "\u0081\u0002hi GET / HTTP/1.1\r\n\r\n");

        assertThat(forwarded()).isEqualTo("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + XFF + "\r\n"
                + "\u0081\u0002hi GET / HTTP/1.1\r\n\r\n");
    }

    @Test
    void closes_a_connection_whose_request_carries_both_content_length_and_transfer_encoding() {
        arrive("POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

        assertThat(forwarded()).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.badRequests.sum()).isEqualTo(1);
    }

    @Test
    void closes_a_connection_whose_request_has_conflicting_lengths_or_a_folded_line() {
        arrive("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n");
        assertThat(channel.isOpen()).isFalse();

        EmbeddedChannel folded = new EmbeddedChannel(new RequestHeadRewriter("192.0.2.7", () -> draining, () -> closeAsked++, () -> notIdempotent++, counters));
        folded.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", StandardCharsets.ISO_8859_1));
        assertThat(folded.isOpen()).isFalse();
        assertThat(counters.badRequests.sum()).isEqualTo(2);
    }

    @Test
    void asks_the_backend_to_close_after_the_next_request_once_it_is_draining() {
        arrive("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
        draining = true;
        arrive("GET /2 HTTP/1.1\r\nconnection: keep-alive\r\nHost: x\r\nKeep-Alive: timeout=5\r\n\r\n");
        arrive("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(forwarded()).isEqualTo("GET /1 HTTP/1.1\r\nHost: x\r\n" + XFF + "\r\n"
                + "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + XFF + "\r\n"
                + "GET /3 HTTP/1.1\r\nHost: x\r\n" + XFF + "\r\n");
        assertThat(closeAsked).isEqualTo(1);
    }

    @Test
    void forwards_heads_as_sent_when_no_forwarded_for_is_asked_and_nothing_drains() {
        EmbeddedChannel plain = new EmbeddedChannel(new RequestHeadRewriter(null, () -> false, () -> closeAsked++, () -> notIdempotent++, counters));
        String requests = "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n\r\n";
        plain.writeInbound(Unpooled.copiedBuffer(requests, StandardCharsets.ISO_8859_1));

        StringBuilder out = new StringBuilder();
        for (ByteBuf b = plain.readInbound(); b != null; b = plain.readInbound()) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertThat(out).hasToString(requests);
    }

    @Test
    void tells_when_a_request_must_not_be_sent_twice() {
        arrive("GET / HTTP/1.1\r\n\r\nDELETE /x HTTP/1.1\r\n\r\n");
        assertThat(notIdempotent).isZero();

        arrive("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assertThat(notIdempotent).isEqualTo(1);
    }

    @Test
    void closes_a_connection_whose_head_never_ends() {
        arrive("GET / HTTP/1.1\r\n" + "X: " + "y".repeat(RequestHeadRewriter.MAX_HEAD_BYTES) + "\r\n");

        assertThat(channel.isOpen()).isFalse();
    }
}
