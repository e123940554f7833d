package org.vmrole.lb;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes one client connection to a backend. Nothing is read from the client until a backend has accepted,
 * so a backend that refuses or times out is simply replaced by the next one in rotation: the client never
 * sees it.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {

    private final Route route;
    private final EndpointSpec spec;
    private final EndpointCounters counters;
    private final Bootstrap backendTemplate;
    private final List<BackendState> tried = new ArrayList<>(2);

    private BackendPool pool;
    private BackendState backend;
    private Channel backendChannel;

    FrontendHandler(Route route, EndpointSpec spec, EndpointCounters counters, Bootstrap backendTemplate) {
        this.route = route;
        this.spec = spec;
        this.counters = counters;
        this.backendTemplate = backendTemplate;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        counters.accepted.increment();
        counters.open.increment();
        // The route is read once: a VIP swap after this moment does not move this connection.
        pool = route.pool();
        connectNext(ctx.channel());
        ctx.fireChannelActive();
    }

    private void connectNext(Channel frontend) {
        BackendState next = pool == null ? null : pool.next(tried);
        if (next == null) {
            counters.noBackend.increment();
            frontend.close();
            return;
        }
        if (!tried.isEmpty()) {
            counters.retried.increment();
        }
        tried.add(next);
        ChannelFuture connect = backendTemplate.clone(frontend.eventLoop())
                .handler(new Relay(frontend, counters.bytesToClients))
                .connect(next.address);
        connect.addListener((ChannelFutureListener) f -> {
            Channel ch = f.channel();
            if (!f.isSuccess()) {
                counters.backendConnectFailures.increment();
                pool.connectFailed(next);
                if (frontend.isActive()) {
                    connectNext(frontend);
                }
                return;
            }
            if (!frontend.isActive()) {
                ch.close();
                return;
            }
            if (!pool.admit(next, frontend)) {
                // Its drain finished while we connected: it may be stopped any moment, so go elsewhere.
                ch.close();
                connectNext(frontend);
                return;
            }
            attach(frontend, next, ch);
        });
    }

    private void attach(Channel frontend, BackendState chosen, Channel ch) {
        backend = chosen;
        backendChannel = ch;
        ChannelPipeline p = frontend.pipeline();
        if (spec.protocol() == Protocol.HTTP) {
            String client = spec.forwardedFor()
                    ? ((InetSocketAddress) frontend.remoteAddress()).getAddress().getHostAddress() : null;
            ResponseCloseMarker marker = new ResponseCloseMarker();
            ch.pipeline().addFirst(marker);
            p.addLast(new RequestHeadRewriter(client, chosen::draining, marker::arm, counters));
        }
        p.addLast(new Relay(ch, counters.bytesToBackends));
        ch.config().setAutoRead(true);
        frontend.config().setAutoRead(true);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        counters.open.decrement();
        if (backend != null) {
            pool.release(backend, ctx.channel());
        }
        if (backendChannel != null) {
            Relay.closeAfterFlush(backendChannel);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
