package org.vmrole.lb;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The load balancer: one set of event loops (epoll or io_uring when available, NIO otherwise) serving every listener,
 * backend connection and probe. The controller creates pools and listeners here and drives them.
 */
public final class LoadBalancer implements AutoCloseable {

    private final Transport transport;
    private final EventLoopGroup group;
    private final Prober prober;
    private final Set<InputEndpoint> endpoints = ConcurrentHashMap.newKeySet();
    private final Set<BackendPool> pools = ConcurrentHashMap.newKeySet();
    private KernelForwarding forwarding;
    private volatile Reachability reachability;
    private boolean closed;

    LoadBalancer(Transport transport, int ioThreads) {
        this.transport = transport;
        this.group = transport.newGroup(ioThreads);
        this.prober = new Prober(group, transport);
    }

    /** Starts with one I/O thread per core. */
    public static LoadBalancer start() {
        return start(Runtime.getRuntime().availableProcessors());
    }

    public static LoadBalancer start(int ioThreads) {
        return start(ioThreads, "auto");
    }

    /**
     * Starts on the named socket transport: {@code io_uring}, {@code epoll}, {@code nio}, or {@code auto} (epoll where
     * it loads, else NIO). A transport this machine cannot run falls back to the next one; {@link #transport()}
     * says which was taken.
     */
    public static LoadBalancer start(int ioThreads, String transport) {
        return start(ioThreads, transport, Duration.ZERO);
    }

    /**
     * As {@link #start(int, String)}, with each epoll event loop polling for {@code busyPoll} after its last event
     * before it sleeps: lower latency where wake-ups are dear (VMs), at the cost of CPU kept busy while traffic
     * flows. Only for a balancer with CPUs of its own; {@link Duration#ZERO} turns it off.
     */
    public static LoadBalancer start(int ioThreads, String transport, Duration busyPoll) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads is " + ioThreads + ": give 1 or more");
        }
        if (busyPoll.isNegative()) {
            throw new IllegalArgumentException("busyPoll is " + busyPoll + ": give zero (off) or a positive duration");
        }
        return new LoadBalancer(Transport.named(transport, busyPoll.toNanos()), ioThreads);
    }

    /** {@code io_uring}, {@code epoll} (with {@code +busy-poll-<n>us} when polling) or {@code nio}. */
    public String transport() {
        return transport.name();
    }

    /**
     * From now on, new connections to TCP endpoints and to HTTP endpoints without X-Forwarded-For, from clients on
     * this machine, are forwarded inside the kernel (nftables DNAT, round-robin over the rotation) instead of
     * through this process: as fast as connecting to the backend directly. The rotation, probes and VIP swaps
     * still decide where they go (followed within about 20 ms); the listeners stay open for other clients and
     * for when no backend is in rotation. What this gives up: a drain learns of the kernel's connections only
     * from connection tracking (it ends when none is left to the backend; its deadline cannot close them); HTTP responses are not marked {@code Connection: close} while draining. Needs root
     * (CAP_NET_ADMIN) and the nft command.
     *
     * <p>Where this machine forwards connections of other machines, their established packets take an eBPF fast path
     * (see {@code BpfFastPath}) when the machine allows it: clang, libbpf-dev and bpftool installed, and
     * {@code net.netfilter.nf_conntrack_tcp_be_liberal=1}. Otherwise they go through nftables, and the log says why once.
     *
     * @throws IllegalStateException saying what is missing when nft cannot run here
     */
    public synchronized void forwardInKernel() {
        forwardInKernel(true);
    }

    /** As {@link #forwardInKernel()}, through nftables alone: no eBPF fast path (to compare the two). */
    public synchronized void forwardInKernelWithoutFastPath() {
        forwardInKernel(false);
    }

    private void forwardInKernel(boolean fastPath) {
        if (closed) {
            throw new IllegalStateException("this load balancer is closed");
        }
        if (forwarding == null) {
            forwarding = KernelForwarding.start(this::forwards, fastPath);
        }
    }

    /** The interfaces this balancer's eBPF fast path is attached to; empty when it has none. */
    public synchronized java.util.Set<String> fastPathInterfaces() {
        return forwarding == null ? java.util.Set.of() : forwarding.fastPathInterfaces();
    }

    /**
     * Removes the nftables tables of balancers that died without closing (their rules would forward to stale
     * backends), whether or not this machine's balancer forwards in the kernel itself. Best effort: returns how many
     * were removed, 0 when nft cannot run here.
     */
    public static int removeLeftoverForwarding() {
        try {
            return KernelForwarding.removeTablesOfDeadProcesses();
        } catch (IllegalStateException e) {
            return 0;
        }
    }

    /** True once {@link #forwardInKernel()} was turned on. */
    public synchronized boolean forwardsInKernel() {
        return forwarding != null;
    }

    /** True when new connections to this endpoint are now forwarded in the kernel (see {@link #forwardInKernel()}). */
    public synchronized boolean forwardsInKernel(InputEndpoint endpoint) {
        return forwarding != null && forwarding.forwards(endpoint.address());
    }

    private boolean kernelQuiet(java.net.InetSocketAddress backend) {
        KernelForwarding f;
        synchronized (this) {
            f = forwarding;
        }
        return f == null || f.quiet(backend);
    }

    /** The name of the nftables table this balancer keeps, or null when it does not forward in the kernel. */
    public synchronized String forwardingTable() {
        return forwarding == null ? null : forwarding.table();
    }

    private List<ForwardingRules.Forward> forwards() {
        List<ForwardingRules.Forward> out = new ArrayList<>();
        for (InputEndpoint e : endpoints) {
            if (e.spec().forwardedFor()) {
                continue;
            }
            BackendPool pool = e.route().pool();
            if (pool != null) {
                ForwardingRules.Forward f = new ForwardingRules.Forward(e.address(), pool.rotationAddresses());
                if (f.forwardable()) {
                    pool.forwardedInKernel();
                }
                out.add(f);
            }
        }
        out.sort(Comparator.comparing(f -> f.listen().toString()));
        return out;
    }

    /**
     * Pools made from now on also check that each backend's address still accepts connections, as {@code check}
     * says (null: no longer): see {@link Reachability}. Pools made before keep what they had.
     */
    public void checkReachability(Reachability check) {
        reachability = check;
    }

    /** A new, empty pool that probes its backends as {@code probe} says. */
    public BackendPool newPool(String name, ProbeSpec probe) {
        BackendPool pool = new BackendPool(name, probe, reachability, this::kernelQuiet, prober, group, pools::remove);
        pools.add(pool);
        return pool;
    }

    /**
     * Opens a listener that sends each new connection to {@code route}'s pool of the moment. Fails with a
     * clear message when the address cannot be bound.
     */
    public InputEndpoint listen(EndpointSpec spec, Route route) {
        Objects.requireNonNull(route, () -> "endpoint '" + spec.name() + "' has no route: give a BackendPool or a ServiceSlots route");
        EndpointCounters counters = new EndpointCounters();
        ChannelGroup connections = new DefaultChannelGroup(spec.name(), GlobalEventExecutor.INSTANCE);
        Bootstrap backendTemplate = new Bootstrap()
                .group(group)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis()));
        ServerBootstrap server = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new FrontendHandler(route, spec, counters, backendTemplate));
                    }
                });
        Channel bound;
        try {
            bound = server.bind(spec.bind()).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen for endpoint '" + spec.name() + "' on " + spec.bind()
                    + ": " + e.getMessage() + " (choose another port, or 0 to have one assigned)", e);
        }
        InputEndpoint endpoint = new InputEndpoint(spec, route, bound, connections, counters, endpoints::remove);
        endpoints.add(endpoint);
        return endpoint;
    }

    /** Closes every listener and pool and stops the event loops. */
    @Override
    public void close() {
        KernelForwarding f;
        synchronized (this) {
            closed = true;
            f = forwarding;
        }
        if (f != null) {
            f.close();
        }
        List.copyOf(endpoints).forEach(InputEndpoint::close);
        List.copyOf(pools).forEach(BackendPool::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
