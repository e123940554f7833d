package org.vmrole.lb;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

import java.util.concurrent.atomic.LongAdder;

/**
 * Copies what one side reads to its peer, unchanged. The buffers read are written on as they are (no copy
 * in user space); when the peer cannot keep up, this side stops reading until it can (autoRead toggling).
 * A half-close is passed on, so a client that shuts its output still gets the whole answer.
 */
final class Relay extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    private final LongAdder bytes;

    Relay(Channel peer, LongAdder bytes) {
        this.peer = peer;
        this.bytes = bytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytes.add(buf.readableBytes());
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && peer instanceof DuplexChannel duplexPeer) {
            Channel self = ctx.channel();
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    self.close();
                    return;
                }
                duplexPeer.shutdownOutput().addListener((ChannelFutureListener) s -> {
                    if (!s.isSuccess() || duplexPeer.isInputShutdown()) {
                        peer.close();
                    }
                });
            });
            if (self instanceof DuplexChannel duplexSelf && duplexSelf.isOutputShutdown()) {
                self.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closeAfterFlush(peer);
    }

    static void closeAfterFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
