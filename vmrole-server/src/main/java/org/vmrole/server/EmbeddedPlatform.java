package org.vmrole.server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.api.ManagementApi;
import org.vmrole.api.fabric.HostRoutes;
import org.vmrole.api.hostlink.ControllerAuthority;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.api.services.FabricImageUsage;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.etcd.EtcdStore;
import org.vmrole.etcd.LeaderStore;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoreUnavailable;
import org.vmrole.image.ImageLimits;
import org.vmrole.image.ImageRepository;
import org.vmrole.image.QemuImg;
import org.vmrole.lb.LoadBalancer;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;
import org.vmrole.server.traffic.TrafficSync;
import org.vmrole.model.host.HostCapacity;

/**
 * The whole platform in one process over one data directory: store, fabric controller, image repository,
 * management API, and optionally N hosts of its own, each in its own fault domain.
 */
public final class EmbeddedPlatform implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPlatform.class);

    /** A host is declared down after this much silence; it fences itself a second earlier. */
    static final Duration HOST_TIMEOUT = Duration.ofSeconds(4);
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    static final Duration RECONCILE_PERIOD = Duration.ofMillis(250);

    private final Store store;
    private final FabricController fabric;
    private final ControllerRole controller;
    private final ImageRepository images;
    private final ManagementApi api;
    private final List<HostRuntime> hosts;
    private final LoadBalancer lb;
    private final TrafficSync traffic;
    private final StorageService storage;
    private final boolean tenantStorage;
    private final ImageBlobAccount imageStorage;
    private final String host;
    private boolean closed;

    /** How the load balancer forwards connections: see {@link LoadBalancer#forwardInKernel()}. */
    public enum LbForwarding {
        /** Through this process only. */
        PROXY,
        /** In the kernel; starting fails when nft cannot run here. */
        KERNEL,
        /** In the kernel where nft can run here, else through this process. */
        AUTO
    }

    /** Settings of one embedded platform. */
    /**
     * Settings of one embedded platform; {@code hostLinkPort} is where the host link's TLS listens (0: any free port);
     * {@code imageStorage} is the storage account that holds the images (null: the platform's own account in the
     * embedded storage service, which then runs even without {@code storage}, on free ports, for images only).
     */
    public record Settings(Path dataDir, String host, int apiPort, String adminKey, int hostCount, boolean storage, LbForwarding forwarding,
                           int hostLinkPort, StoreLocation store, ImageBlobAccount imageStorage) {
        public Settings(Path dataDir, String host, int apiPort, String adminKey, int hostCount, boolean storage, LbForwarding forwarding,
                        int hostLinkPort) {
            this(dataDir, host, apiPort, adminKey, hostCount, storage, forwarding, hostLinkPort, new StoreLocation.Sqlite(), null);
        }

        public Settings(Path dataDir, String host, int apiPort, String adminKey, int hostCount, boolean storage, LbForwarding forwarding) {
            this(dataDir, host, apiPort, adminKey, hostCount, storage, forwarding, 0);
        }

        public Settings(Path dataDir, String host, int apiPort, String adminKey, int hostCount, boolean storage) {
            this(dataDir, host, apiPort, adminKey, hostCount, storage, LbForwarding.PROXY);
        }

        public Settings(Path dataDir, String host, int apiPort, String adminKey, int hostCount) {
            this(dataDir, host, apiPort, adminKey, hostCount, false);
        }

        public Settings withForwarding(LbForwarding f) {
            return new Settings(dataDir, host, apiPort, adminKey, hostCount, storage, f, hostLinkPort, store, imageStorage);
        }

        public Settings withHostLinkPort(int port) {
            return new Settings(dataDir, host, apiPort, adminKey, hostCount, storage, forwarding, port, store, imageStorage);
        }

        /** Where the controller's state lives: SQLite in the data folder (the default) or an etcd cluster shared by replicas. */
        public Settings withStore(StoreLocation location) {
            return new Settings(dataDir, host, apiPort, adminKey, hostCount, storage, forwarding, hostLinkPort, location, imageStorage);
        }

        public Settings withImageStorage(ImageBlobAccount account) {
            return new Settings(dataDir, host, apiPort, adminKey, hostCount, storage, forwarding, hostLinkPort, store, account);
        }
    }

    private EmbeddedPlatform(Store store, FabricController fabric, ControllerRole controller, ImageRepository images, ManagementApi api,
                             List<HostRuntime> hosts, LoadBalancer lb, TrafficSync traffic, StorageService storage, boolean tenantStorage,
                             ImageBlobAccount imageStorage, String host) {
        this.imageStorage = imageStorage;
        this.host = host;
        this.storage = storage;
        this.tenantStorage = tenantStorage;
        this.hosts = hosts;
        this.lb = lb;
        this.traffic = traffic;
        this.store = store;
        this.fabric = fabric;
        this.controller = controller;
        this.images = images;
        this.api = api;
    }

    public static HealingPolicy healingPolicy() {
        HealingPolicy d = HealingPolicy.DEFAULT;
        return new HealingPolicy(HOST_TIMEOUT, d.startTimeout(), d.backoffBase(), d.backoffMax(), d.relocateAfterFailures(), d.stableAfter());
    }

    /** How long a replica starting while its store does not answer (etcd electing, or slow on a busy machine) waits for it. */
    static final Duration STORE_WAIT = Duration.ofSeconds(60);

    public static EmbeddedPlatform start(Settings s) throws IOException {
        long deadline = System.nanoTime() + STORE_WAIT.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(s);
            } catch (StoreUnavailable e) {
                // everything opened was closed again: a later attempt starts from nothing
                if (System.nanoTime() > deadline) throw e;
                log.warn("the store does not answer (attempt {}): {}; trying again for up to {} s", attempt, e.getMessage(), STORE_WAIT.toSeconds());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static EmbeddedPlatform startOnce(Settings s) throws IOException {
        Files.createDirectories(s.dataDir());
        Store base = s.store().open(s.dataDir());
        // on etcd, the controller's writes carry the leader's fence while this replica leads
        Store store = base instanceof EtcdStore etcd ? new LeaderStore(etcd) : base;
        List<AutoCloseable> opened = new ArrayList<>(List.of(store));
        try {
            FabricController fabric = new FabricController(store, Clock.systemUTC(), healingPolicy());
            // images live in a storage account: the platform's own in the embedded service, unless the operator names one
            StorageService storage = null;
            ImageBlobAccount imageAccount = s.imageStorage();
            if (s.storage() || imageAccount == null) {
                StorageAccount platformAccount = ImageBlobAccount.platformAccount(s.dataDir());
                storage = s.storage() ? startStorage(s.dataDir().resolve("storage"), s.host(), platformAccount)
                        : StorageService.start(new StorageConfig(s.dataDir().resolve("storage"), s.host(), 0, 0, 0, List.of(platformAccount)));
                opened.add(storage);
                if (imageAccount == null) imageAccount = ImageBlobAccount.of(platformAccount, s.host(), storage.blobPort());
            }
            ImageLimits limits = ImageLimits.defaults();
            ImageRepository images = new ImageRepository(s.dataDir().resolve("images"), limits, QemuImg.fromPath(limits),
                    FabricImageUsage.of(fabric), Clock.systemUTC(), imageAccount.connect());
            log.info("images are kept in the Blob service at {}", imageAccount.accountUrl());
            List<HostRuntime> hosts = new CopyOnWriteArrayList<>();
            // replicas on etcd share one authority, so a host's join token works on each of them
            CertificateAuthority authority = base instanceof EtcdStore
                    ? ControllerAuthority.loadOrCreate(store, Clock.systemUTC().instant())
                    : ControllerAuthority.loadOrCreate(s.dataDir().resolve("host-link"), Clock.systemUTC().instant());
            java.util.concurrent.atomic.AtomicReference<ControllerRole> role = new java.util.concurrent.atomic.AtomicReference<>();
            ManagementApi api = new ManagementApi(new ManagementApi.Parts(store, Clock.systemUTC(), fabric, images, authority),
                    s.adminKey(), ControllerRoutes.of(() -> role.get().status())).start(s.host(), s.apiPort(), s.hostLinkPort());
            opened.add(api);
            fabric.hostsCanReachFromNow();
            String address = s.host() + ":" + api.port();
            ControllerRole controller = base instanceof EtcdStore etcd
                    ? new ReplicatedController((LeaderStore) store, etcd.client(), etcd.root(), fabric, RECONCILE_PERIOD, api.metrics(), address)
                    : new SoleController(fabric, RECONCILE_PERIOD, api.metrics(), address);
            role.set(controller);
            if (controller instanceof ReplicatedController replicated) fabric.serveHostsOnlyWhenLeading(replicated::leads, replicated::leaderAddress);
            opened.add(controller);
            LoadBalancer lb = LoadBalancer.start(1);
            opened.add(lb);
            forward(lb, s.forwarding());
            TrafficSync traffic = new TrafficSync(lb, api.deployments()::traffic, api.publicEndpoints(), s.host(), Duration.ofMillis(250));
            opened.add(traffic);
            // make-before-break: a host stops or reimages a serving VM only once the balancer has let go of it
            fabric.holdStopsWhile((host, hostAddress, running) -> traffic.serving(running.deploymentId(), running.instance(), hostAddress,
                    api.instanceEndpoints().of(host, running.key())));
            if (s.storage()) serveTenantAccounts(api, storage, s.host());
            EmbeddedPlatform platform = new EmbeddedPlatform(store, fabric, controller, images, api, hosts, lb, traffic, storage, s.storage(), imageAccount, s.host());
            HostCapacity share = new HostCapacity(Math.max(2, Runtime.getRuntime().availableProcessors()),
                    (int) (osMemoryMiB() / Math.max(1, s.hostCount())), 512);
            try {
                for (int i = 0; i < s.hostCount(); i++) platform.startHost("host-" + i, i, s.dataDir().resolve("hosts").resolve("host-" + i), share);
            } catch (IOException | RuntimeException e) {
                platform.close();
                throw e;
            }
            return platform;
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : opened.reversed()) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void forward(LoadBalancer lb, LbForwarding forwarding) {
        // a balancer killed earlier may have left rules that forward this machine's connections to stale backends
        int removed = LoadBalancer.removeLeftoverForwarding();
        if (removed > 0) log.info("removed {} kernel forwarding table(s) left by load balancers that are gone", removed);
        switch (forwarding) {
            case PROXY -> log.info("load balancer forwards through this process (--lb-forwarding proxy)");
            case KERNEL -> lb.forwardInKernel();
            case AUTO -> {
                try {
                    lb.forwardInKernel();
                } catch (IllegalStateException e) {
                    log.info("load balancer forwards through this process: kernel forwarding is not available here ({})", e.getMessage());
                }
            }
        }
        if (lb.forwardsInKernel()) log.info("load balancer forwards local clients' connections in the kernel (nftables table {})", lb.forwardingTable());
    }

    /** The load balancer of this platform (for tests that look at how it forwards). */
    public LoadBalancer loadBalancer() {
        return lb;
    }

    /** Runs a host of this process, joined with a token the controller issues for it now. */
    public HostRuntime startHost(String name, int faultDomain, Path dir, HostCapacity capacity) throws IOException {
        HostRuntime h = HostRuntime.start(new HostRuntime.Spec(name, faultDomain, dir, URI.create(apiUrl()), joinToken(name),
                capacity, HEARTBEAT, HOST_TIMEOUT.minus(HEARTBEAT)));
        hosts.add(h);
        log.info("host {} runs in this process (fault domain {}, data in {})", name, faultDomain, dir);
        return h;
    }

    /** A join token for a host of this platform, as {@code ./vmrole host token NAME} gives it: the secret and the controller's pin. */
    public String joinToken(String host) {
        return HostRoutes.issueJoinToken(fabric, api.authority(), host);
    }

    /**
     * Restarts a host's agent as an in-place upgrade (or a crash) of it would: its VMs keep running, and the new agent
     * re-adopts them, reconnects their private networks and joins again with a fresh token.
     */
    public HostRuntime restartHost(String name) throws IOException {
        HostRuntime old = hosts.stream().filter(h -> h.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no host named '" + name + "' runs in this process; its hosts are "
                        + hosts.stream().map(HostRuntime::name).toList()));
        old.close(false);
        hosts.remove(old);
        HostRuntime.Spec s = old.spec();
        return startHost(s.name(), s.faultDomain(), s.dataDir(), s.capacity());
    }

    /** The storage service on the emulator's ports (10000-10002) so UseDevelopmentStorage=true works; elsewhere if they are taken. */
    private static StorageService startStorage(Path dir, String host, StorageAccount platformAccount) {
        StorageConfig local = StorageConfig.development(dir);
        List<StorageAccount> accounts = new ArrayList<>(local.accounts());
        accounts.add(platformAccount);
        StorageConfig dev = new StorageConfig(local.dataDir(), host, local.blobPort(), local.queuePort(), local.tablePort(), accounts);
        try {
            return StorageService.start(dev);
        } catch (RuntimeException taken) {
            log.warn("storage ports 10000-10002 are taken ({}); the storage service listens on assigned ports", taken.getMessage());
            return StorageService.start(dev.withEphemeralPorts());
        }
    }

    /** Tenants' accounts are served from the next request after each change made through the API (a create, a new key, a delete). */
    private static void serveTenantAccounts(ManagementApi api, StorageService storage, String host) {
        api.storageAccounts().serveAt(storage.endpoints(host));
        api.storageAccounts().onChange(accounts -> {
            java.util.List<String> dropped = storage.accounts().replaceManaged(accounts);
            if (!dropped.isEmpty()) log.info("storage accounts {} deleted: their containers, queues and tables are dropped", dropped);
        });
    }

    /** The storage account that holds the images. */
    public ImageBlobAccount imageStorage() {
        return imageStorage;
    }

    /** The storage service, when this platform runs one. */
    public Optional<StorageService> storage() {
        return tenantStorage ? Optional.ofNullable(storage) : Optional.empty();
    }

    private static long osMemoryMiB() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize() >> 20;
        }
        return 4096;
    }

    public String apiUrl() {
        return "http://" + host + ":" + api.port();
    }

    public Optional<String> firstAdministratorKey() {
        return api.firstAdministratorKey();
    }

    public ManagementApi api() { return api; }

    public FabricController fabric() { return fabric; }

    /** This replica's part in the control plane: whether it leads, and who does. */
    public ControllerRole controller() { return controller; }

    public ImageRepository images() { return images; }

    public List<HostRuntime> hosts() { return List.copyOf(hosts); }

    /** Stops everything this process runs, VMs included; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // hosts stop their VMs in parallel: a graceful stop waits for each guest to power off
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (HostRuntime h : hosts) pool.submit(() -> h.close(true));
        }
        controller.close();
        traffic.close();
        lb.close();
        if (storage != null) storage.close();
        api.close();
        store.close();
    }
}
