package org.vmrole.lb;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * On a backend connection of an HTTP endpoint, until the first byte of the answer: a close (or half-close)
 * before it may be turned into a retry on another backend instead of closing the client. Once the client has
 * moved, this connection's remaining events are swallowed so they cannot reach the client; at the first byte
 * of an answer the watch steps out.
 */
final class AnswerWatch extends ChannelInboundHandlerAdapter {

    /** What to do when the backend closed without answering; true when the client connection was moved. */
    @FunctionalInterface
    interface Unanswered {
        boolean retryElsewhere();
    }

    private final ReplayBuffer replay;
    private final Unanswered unanswered;
    private boolean moved;

    AnswerWatch(ReplayBuffer replay, Unanswered unanswered) {
        this.replay = replay;
        this.unanswered = unanswered;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (moved) {
            ReferenceCountUtil.release(msg);
            return;
        }
        replay.stop();
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && movedElsewhere()) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (movedElsewhere()) {
            return;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (moved) {
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private boolean movedElsewhere() {
        if (!moved && replay.replayable() && unanswered.retryElsewhere()) {
            moved = true;
        }
        return moved;
    }
}
