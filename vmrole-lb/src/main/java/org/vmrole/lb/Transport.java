package org.vmrole.lb;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.Locale;

/** The socket implementation: Linux io_uring or epoll when their native library loads, Java NIO otherwise. */
record Transport(String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel,
                 Class<? extends SocketChannel> socketChannel) {

    static final String IO_URING = "io_uring";
    static final String EPOLL = "epoll";
    static final String NIO = "nio";

    /**
     * The transport called {@code name} ({@code io_uring}, {@code epoll}, {@code nio} or {@code auto}); one this
     * kernel or JVM cannot run falls back to the next (io_uring, then epoll, then NIO) rather than failing. epoll's
     * event loops poll {@code busyPollNanos} after each event before they block (see {@link BusyPoll}); the other
     * transports do not poll. {@code auto} is epoll: io_uring measured no cheaper per relayed request
     * (BENCHMARKS.md, "Load balancer").
     */
    static Transport named(String name, long busyPollNanos) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case IO_URING -> IoUring.isAvailable() ? ioUring() : named(EPOLL, busyPollNanos);
            case "auto", EPOLL -> Epoll.isAvailable() ? epoll(busyPollNanos) : nio();
            case NIO -> nio();
            default -> throw new IllegalArgumentException("transport '" + name + "' not known: give io_uring, epoll, nio or auto");
        };
    }

    private static Transport ioUring() {
        return new Transport(IO_URING, IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class, IoUringSocketChannel.class);
    }

    private static Transport epoll(long busyPollNanos) {
        return new Transport(busyPollNanos > 0 ? EPOLL + "+busy-poll-" + busyPollNanos / 1000 + "us" : EPOLL,
                EpollIoHandler.newFactory(0, BusyPoll.factory(busyPollNanos)), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    static Transport nio() {
        return new Transport(NIO, NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    MultiThreadIoEventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlers);
    }
}
