package org.vmrole.lb;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps what an HTTP client sent until its backend has answered a first byte, so that a backend that closes
 * without answering can be replaced and sent the same bytes. That happens when an instance has just died or
 * its application is not listening yet: QEMU's user networking accepts the connection on the host and closes
 * it when the guest refuses. Only idempotent requests are replayed (RFC 9110 9.2.2), and only the first
 * {@value #MAX_BYTES} bytes are kept; past that the connection is not replayable.
 */
final class ReplayBuffer extends ChannelInboundHandlerAdapter {

    static final int MAX_BYTES = 64 * 1024;

    private final List<ByteBuf> kept = new ArrayList<>();
    private int bytes;
    private boolean stopped;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!stopped && msg instanceof ByteBuf buf) {
            if (bytes + buf.readableBytes() > MAX_BYTES) {
                stop();
            } else {
                kept.add(buf.retainedDuplicate());
                bytes += buf.readableBytes();
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** True while everything sent so far is kept and safe to send again. */
    boolean replayable() {
        return !stopped;
    }

    /** The backend answered, or a request was not idempotent: nothing will be replayed. */
    void stop() {
        stopped = true;
        kept.forEach(ByteBuf::release);
        kept.clear();
    }

    /** Sends everything kept to a new backend, keeping it until that one answers. */
    void replayTo(Channel backend) {
        for (ByteBuf b : kept) {
            backend.write(b.retainedDuplicate(), backend.voidPromise());
        }
        backend.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }
}
