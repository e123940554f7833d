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
 * sees it. On HTTP endpoints a backend that closes before answering is replaced too, and sent the same
 * idempotent requests again (see {@link ReplayBuffer}).
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {

    private final Route route;
    private final EndpointSpec spec;
    private final EndpointCounters counters;
    private final Bootstrap backendTemplate;
    private final List<BackendState> tried = new ArrayList<>(2);

    private Channel frontend;
    private BackendPool pool;
    private BackendState backend;
    private Channel backendChannel;
    private ReplayBuffer replay;
    private ResponseCloseMarker closeMarker;

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
        frontend = ctx.channel();
        // The route is read once: a VIP swap after this moment does not move this connection.
        pool = route.pool();
        connectNext();
        ctx.fireChannelActive();
    }

    private void connectNext() {
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
                counters.backendErrors.increment();
                pool.connectFailed(next);
                if (frontend.isActive()) {
                    connectNext();
                }
                return;
            }
            if (!frontend.isActive()) {
                ch.close();
                return;
            }
            if (!pool.admit(next, frontend)) {
                // Its drain finished while we connected: it may be stopped any moment, so go elsewhere. The relay
                // goes first: closing this channel must not close the client, whose request has not been sent yet.
                ch.pipeline().remove(Relay.class);
                ch.close();
                connectNext();
                return;
            }
            attach(next, ch);
        });
    }

    private void attach(BackendState chosen, Channel ch) {
        backend = chosen;
        backendChannel = ch;
        ChannelPipeline p = frontend.pipeline();
        if (spec.protocol() == Protocol.HTTP) {
            closeMarker = new ResponseCloseMarker();
            ch.pipeline().addFirst(closeMarker);
            if (replay == null) {
                String client = spec.forwardedFor()
                        ? ((InetSocketAddress) frontend.remoteAddress()).getAddress().getHostAddress() : null;
                replay = new ReplayBuffer();
                p.addLast(new RequestHeadRewriter(client, () -> backend != null && backend.draining(),
                        () -> closeMarker.arm(), replay::stop, counters));
                p.addLast(replay);
            } else {
                replay.replayTo(ch);
            }
            if (replay.replayable()) {
                ch.pipeline().addFirst(new AnswerWatch(replay, this::retryElsewhere));
            }
        }
        p.addLast(new Relay(ch, counters.bytesToBackends));
        ch.config().setAutoRead(true);
        frontend.config().setAutoRead(true);
    }

    /** The backend closed before answering: move this client to another backend, if one is in rotation. */
    private boolean retryElsewhere() {
        if (!frontend.isActive() || pool.next(tried) == null) {
            return false;
        }
        counters.backendErrors.increment();
        frontend.config().setAutoRead(false);
        frontend.pipeline().remove(Relay.class);
        pool.release(backend, frontend);
        pool.connectFailed(backend);
        backend = null;
        backendChannel = null;
        connectNext();
        return true;
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
