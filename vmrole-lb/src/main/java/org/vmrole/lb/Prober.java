package org.vmrole.lb;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one probe attempt against a backend: TCP connect, or HTTP GET expecting status 200.
 *
 * <p>A TCP probe also waits a short settle time after connecting and fails if the peer closes in it: QEMU's
 * user networking accepts a forwarded connection on the host before the guest has answered, and closes it
 * when the guest refuses, so a bare connect would pass an instance whose application is not listening.
 */
final class Prober {

    private static final int MAX_STATUS_LINE = 1024;
    static final long TCP_SETTLE_MILLIS = 100;

    private final EventLoopGroup group;
    private final Transport transport;

    Prober(EventLoopGroup group, Transport transport) {
        this.group = group;
        this.transport = transport;
    }

    /** Completes with true when the backend passed, false when it failed or did not answer within the timeout. */
    CompletableFuture<Boolean> probe(InetSocketAddress address, ProbeSpec spec) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        int timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, spec.timeout().toMillis()));
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (spec.kind() == ProbeSpec.Kind.HTTP) {
                            ch.pipeline().addLast(new HttpProbe(address, spec.path(), result));
                        } else {
                            ch.pipeline().addLast(new TcpProbe(result));
                        }
                    }
                });
        bootstrap.connect(address).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                result.complete(false);
                return;
            }
            if (spec.kind() == ProbeSpec.Kind.TCP) {
                long settle = Math.min(TCP_SETTLE_MILLIS, timeoutMillis);
                f.channel().eventLoop().schedule(() -> {
                    result.complete(f.channel().isActive());
                    f.channel().close();
                }, settle, TimeUnit.MILLISECONDS);
                return;
            }
            var timeout = f.channel().eventLoop().schedule(() -> {
                result.complete(false);
                f.channel().close();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            result.whenComplete((ok, e) -> timeout.cancel(false));
        });
        return result;
    }

    /**
     * Completes with true when the machine at {@code address} answers a TCP connect within {@code timeout}, whether
     * by accepting (the connection is reset at once) or by refusing it; false when nothing answers.
     */
    CompletableFuture<Boolean> reach(InetSocketAddress address, java.time.Duration timeout) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        new Bootstrap()
                .group(group)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())))
                .option(ChannelOption.SO_LINGER, 0)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                })
                .connect(address).addListener((ChannelFutureListener) f -> {
                    result.complete(f.isSuccess() || refused(f.cause()));
                    if (f.isSuccess()) {
                        f.channel().close();
                    }
                });
        return result;
    }

    /** ECONNREFUSED: the machine sent a reset, so it is there (a timeout or "no route to host" is not an answer). */
    private static boolean refused(Throwable cause) {
        return cause instanceof java.net.ConnectException && !(cause instanceof io.netty.channel.ConnectTimeoutException)
                && cause.getMessage() != null && cause.getMessage().contains("refused");
    }

    /** A probe's connection: closing early or failing is a failed probe. */
    private abstract static class ProbeHandler extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Boolean> result;

        ProbeHandler(CompletableFuture<Boolean> result) {
            this.result = result;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.complete(false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.complete(false);
            ctx.close();
        }
    }

    /** Fails the probe if the peer closes during the settle time; whatever it sends is discarded. */
    private static final class TcpProbe extends ProbeHandler {
        TcpProbe(CompletableFuture<Boolean> result) {
            super(result);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Sends the GET and reads just the status line. */
    private static final class HttpProbe extends ProbeHandler {
        private final InetSocketAddress address;
        private final String path;
        private final StringBuilder statusLine = new StringBuilder();

        HttpProbe(InetSocketAddress address, String path, CompletableFuture<Boolean> result) {
            super(result);
            this.address = address;
            this.path = path;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort()
                    + "\r\nUser-Agent: vmrole-lb-probe\r\nConnection: close\r\n\r\n";
            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable() && !result.isDone()) {
                    char c = (char) buf.readByte();
                    if (c == '\n' || statusLine.length() > MAX_STATUS_LINE) {
                        result.complete(isOk(statusLine.toString().trim()));
                        ctx.close();
                    } else {
                        statusLine.append(c);
                    }
                }
            } finally {
                buf.release();
            }
        }

        static boolean isOk(String line) {
            String[] parts = line.split(" ", 3);
            return parts.length >= 2 && parts[0].startsWith("HTTP/1.") && parts[1].equals("200");
        }
    }
}
