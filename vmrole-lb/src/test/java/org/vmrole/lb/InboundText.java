package org.vmrole.lb;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/** Text in and out of a handler under test on an {@link EmbeddedChannel}, one byte per character. */
final class InboundText {
    private InboundText() {
    }

    /** Each piece arrives as its own read. */
    static void arrive(EmbeddedChannel channel, String... pieces) {
        for (String piece : pieces) channel.writeInbound(Unpooled.copiedBuffer(piece, StandardCharsets.ISO_8859_1));
    }

    /** Everything the handler passed on so far, released. */
    static String passedOn(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = channel.readInbound(); b != null; b = channel.readInbound()) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }
}
