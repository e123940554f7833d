package org.vmrole.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import org.vmrole.host.HostAgent;
import org.vmrole.host.link.ControllerClient;
import org.vmrole.host.link.HostDaemon;
import org.vmrole.host.link.HostRequestLoop;
import org.vmrole.model.host.HostRequest;
import org.vmrole.host.qemu.QemuDriver;
import org.vmrole.host.qemu.QemuSettings;
import org.vmrole.host.qemu.VmFiles;
import org.vmrole.image.ImageCache;
import org.vmrole.host.image.ImagePrefetcher;
import org.vmrole.host.image.PrefetchPolicy;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.ObservedInstance;
import org.vmrole.host.lan.PrivateNetworks;
import org.vmrole.model.host.HostJoin;
import org.vmrole.host.relay.EndpointRelay;
import java.util.function.Supplier;

/** One host of the fabric on this machine: QEMU driver, image cache, host agent and the daemon that links them to the controller. */
public final class HostRuntime implements AutoCloseable {
    /** How often a host looks again at what to prefetch when nothing else told it to (a failed fetch's retry). */
    static final Duration PREFETCH_TICK = Duration.ofSeconds(5);
    private final Spec spec;
    private final QemuDriver driver;
    private final HostAgent agent;
    private final HostDaemon daemon;
    private final PrivateNetworks networks;
    private final EndpointRelay relay;
    private final ImageCache images;
    private final ImagePrefetcher prefetcher;
    private HostRequestLoop requests;

    /** What one host needs to know to run. */
    /**
     * What one host needs to know to run; {@code address} is where its instances' endpoints are published (loopback:
     * on the controller's machine only).
     */
    public record Spec(String name, int faultDomain, Path dataDir, URI controller, String joinToken, HostCapacity capacity,
                       Duration heartbeat, Duration fenceAfter, InetSocketAddress networkListen, InetAddress address, List<URI> otherControllers) {
        /** A host of one controller. */
        public Spec(String name, int faultDomain, Path dataDir, URI controller, String joinToken, HostCapacity capacity,
                    Duration heartbeat, Duration fenceAfter, InetSocketAddress networkListen, InetAddress address) {
            this(name, faultDomain, dataDir, controller, joinToken, capacity, heartbeat, fenceAfter, networkListen, address, List.of());
        }

        /** This spec, failing over to {@code others} (the other replicas of a controller on etcd) in turn. */
        public Spec withOtherControllers(List<URI> others) {
            return new Spec(name, faultDomain, dataDir, controller, joinToken, capacity, heartbeat, fenceAfter, networkListen, address, List.copyOf(others));
        }

        /** Every controller URL, the first one first. */
        public List<URI> controllers() {
            List<URI> all = new java.util.ArrayList<>(List.of(controller));
            all.addAll(otherControllers);
            return all;
        }
        /** A host on the controller's machine: tunnels on a free loopback port, endpoints on 127.0.0.1. */
        public Spec(String name, int faultDomain, Path dataDir, URI controller, String joinToken, HostCapacity capacity,
                    Duration heartbeat, Duration fenceAfter) {
            this(name, faultDomain, dataDir, controller, joinToken, capacity, heartbeat, fenceAfter,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), InetAddress.getLoopbackAddress());
        }
    }

    private HostRuntime(Spec spec, QemuDriver driver, HostAgent agent, HostDaemon daemon, PrivateNetworks networks, EndpointRelay relay,
                        ImageCache images, ImagePrefetcher prefetcher) {
        this.images = images;
        this.prefetcher = prefetcher;
        this.spec = spec;
        this.driver = driver;
        this.agent = agent;
        this.daemon = daemon;
        this.networks = networks;
        this.relay = relay;
    }

    public static HostRuntime start(Spec spec) throws IOException {
        Files.createDirectories(spec.dataDir());
        ControllerClient controller = new ControllerClient(spec.controllers(), spec.name(), spec.joinToken());
        ImageCache images = new ImageCache(spec.dataDir().resolve("images"), controller::image);
        QemuSettings settings = QemuSettings.defaults(spec.dataDir(), digest -> {
            try {
                return images.get(digest);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot fetch image " + digest + " from the controller: " + e.getMessage(), e);
            }
        }).withCapacity(spec.capacity());
        QemuDriver driver = new QemuDriver(settings);
        HostAgent agent = new HostAgent(driver, spec.dataDir());
        PrivateNetworks networks = new PrivateNetworks(spec.name(), spec.networkListen(), controller.identity(), driver::networkSocket);
        // QEMU forwards on loopback; only a host other machines dial needs the relay onto its address
        EndpointRelay relay = spec.address().isLoopbackAddress() ? null : new EndpointRelay(spec.address());
        Supplier<Map<String, List<EndpointBinding>>> endpoints = relay == null ? () -> forwardedPorts(driver) : () -> relay.publish(forwardedPorts(driver));
        String address = spec.address().isLoopbackAddress() ? null : spec.address().getHostAddress();
        ImagePrefetcher prefetcher = new ImagePrefetcher(spec.name(), images, PrefetchPolicy.DEFAULT, java.time.Clock.systemUTC(), PREFETCH_TICK);
        HostDaemon daemon = new HostDaemon(controller, new HostJoin(spec.name(), spec.faultDomain(), spec.capacity(), networks.address(), address),
                agent, networks::apply, endpoints, prefetcher::want, spec.heartbeat(), spec.fenceAfter(), InstantSource.system());
        HostRuntime runtime = new HostRuntime(spec, driver, agent, daemon, networks, relay, images, prefetcher);
        runtime.requests = new HostRequestLoop(controller, runtime::answer);
        return runtime;
    }

    /** Each running instance's endpoints with the host ports QEMU forwards to them. */
    static Map<String, List<EndpointBinding>> forwardedPorts(QemuDriver driver) {
        Map<String, List<EndpointBinding>> out = new HashMap<>();
        for (ObservedInstance o : driver.observe()) {
            driver.assignment(o.key()).ifPresent(a -> {
                List<Integer> ports = driver.hostPorts(o.key());
                List<EndpointBinding> bound = new ArrayList<>();
                for (int i = 0; i < a.endpoints().size() && i < ports.size(); i++) {
                    EndpointBinding e = a.endpoints().get(i);
                    bound.add(new EndpointBinding(e.name(), e.protocol(), e.guestPort(), ports.get(i)));
                }
                out.put(o.key(), bound);
            });
        }
        return out;
    }

    public QemuDriver driver() { return driver; }

    /** This host's image cache (warmed ahead of need by its prefetcher). */
    public ImageCache images() { return images; }

    public String name() { return spec.name(); }

    public Spec spec() { return spec; }

    /** The last {@code maxBytes} of an instance's serial console log, if this host runs it. */
    public Optional<String> consoleTail(String instanceKey, int maxBytes) {
        if (driver.assignment(instanceKey).isEmpty()) return Optional.empty();
        try (FileChannel ch = FileChannel.open(new VmFiles(driver.directory(instanceKey)).consoleLog(), StandardOpenOption.READ)) {
            long start = Math.max(0, ch.size() - maxBytes);
            ByteBuffer buf = ByteBuffer.allocate((int) (ch.size() - start));
            ch.read(buf, start);
            return Optional.of(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.of("");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console log of " + instanceKey + ": " + e.getMessage(), e);
        }
    }

    public HostAgent agent() { return agent; }

    private String answer(HostRequest r) {
        if (!HostRequest.CONSOLE.equals(r.kind())) return "this host does not know the question '" + r.kind() + "'";
        return consoleTail(r.instanceKey(), Math.min(r.maxBytes(), HostRequest.MAX_ANSWER_BYTES))
                .orElse("instance " + r.instanceKey() + " does not run on host " + spec.name());
    }

    /** Stops linking to the controller; {@code stopVms} also stops every VM (a clean shutdown), otherwise they keep running for re-adoption. */
    public void close(boolean stopVms) {
        if (requests != null) requests.close();
        daemon.close();
        prefetcher.close();
        if (stopVms) agent.stopAll();
        if (relay != null) relay.close();
        networks.close();
        agent.close();
    }

    @Override
    public void close() {
        close(true);
    }
}
