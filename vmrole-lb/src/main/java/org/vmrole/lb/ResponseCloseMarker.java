package org.vmrole.lb;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;

/**
 * On a backend connection, marks the final response to a request the load balancer turned into
 * {@code Connection: close} with {@code Connection: close} too, so the client knows not to send another
 * request on it (a backend is told to close but need not say so, and some do not). Until armed it passes
 * every buffer on untouched; after its one insertion it steps out of the pipeline.
 */
final class ResponseCloseMarker extends ChannelInboundHandlerAdapter {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private boolean armed;
    private ByteBuf pending;

    /** Called on the connection's event loop when the request asking to close has been forwarded. */
    void arm() {
        armed = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!armed || !(msg instanceof ByteBuf arrived)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = arrived;
        if (pending != null) {
            pending.writeBytes(arrived);
            arrived.release();
            in = pending;
            pending = null;
        }
        try {
            mark(ctx, in);
        } finally {
            in.release();
        }
    }

    private void mark(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int end = RequestHeadRewriter.findHeadEnd(in, start, in.writerIndex());
            if (end < 0) {
                if (in.readableBytes() > MAX_HEAD_BYTES) {
                    // Not a head we can read: give up marking rather than hold the response.
                    ctx.fireChannelRead(in.readRetainedSlice(in.readableBytes()));
                    ctx.pipeline().remove(this);
                    return;
                }
                pending = ctx.alloc().buffer(in.readableBytes() * 2).writeBytes(in);
                return;
            }
            if (interim(in, start)) {
                ctx.fireChannelRead(in.readRetainedSlice(end + 4 - start));
                continue;
            }
            ctx.fireChannelRead(in.retainedSlice(start, end + 2 - start));
            ctx.fireChannelRead(ctx.alloc().buffer(CONNECTION_CLOSE.length + 2).writeBytes(CONNECTION_CLOSE).writeByte(CR).writeByte(LF));
            in.readerIndex(end + 4);
            if (in.isReadable()) {
                ctx.fireChannelRead(in.readRetainedSlice(in.readableBytes()));
            }
            armed = false;
            ctx.pipeline().remove(this);
            return;
        }
    }

    /** A 1xx response precedes the final one and is passed on as it is. */
    private static boolean interim(ByteBuf in, int start) {
        int space = in.indexOf(start, Math.min(in.writerIndex(), start + 16), (byte) ' ');
        return space > 0 && space + 1 < in.writerIndex() && in.getByte(space + 1) == '1';
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
