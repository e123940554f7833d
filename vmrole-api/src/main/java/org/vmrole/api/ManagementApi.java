package org.vmrole.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.beta.BetaPrograms;
import org.vmrole.api.beta.BetaRoutes;
import org.vmrole.api.fabric.HostRoutes;
import org.vmrole.api.hostlink.HostLinkRoutes;
import org.vmrole.api.hostlink.ImagesToWarm;
import org.vmrole.api.hostlink.WantedImages;
import org.vmrole.api.hostlink.InstanceEndpoints;
import io.javalin.http.HandlerType;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.ApiServer;
import org.vmrole.api.metrics.PlatformMetrics;
import org.vmrole.api.http.Route;
import org.vmrole.api.hostlink.HostRequests;
import org.vmrole.api.services.Deployments;
import org.vmrole.api.services.HostedServices;
import org.vmrole.api.services.ImageRoutes;
import org.vmrole.api.services.OperationWaits;
import org.vmrole.api.services.Ownership;
import org.vmrole.fabric.reconcile.OperationRetention;
import org.vmrole.api.services.ServiceRoutes;
import org.vmrole.api.services.SubscriptionContents;
import org.vmrole.api.tenancy.TenancyRoutes;
import org.vmrole.api.tenancy.WhoAmIRoutes;
import org.vmrole.api.services.OperationListRoutes;
import org.vmrole.api.services.UsageRoutes;
import org.vmrole.api.drives.DriveRoutes;
import org.vmrole.api.drives.DriveUsers;
import org.vmrole.api.drives.Drives;
import org.vmrole.api.drives.FencedLeases;
import org.vmrole.api.storage.StorageAccountRoutes;
import org.vmrole.api.storage.StorageAccounts;
import org.vmrole.api.portal.PortalResources;
import org.vmrole.api.traffic.PublicEndpoints;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.store.Store;
import org.vmrole.image.ImageRecord;
import org.vmrole.image.ImageRepository;
import org.vmrole.model.service.ImageCatalog;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.TlsIdentity;

/** Assembles the management API over one store: tenants, beta programs, images, services and deployments, hosts. */
public final class ManagementApi implements AutoCloseable {
    private final Tenants tenants;
    private final BetaPrograms beta;
    private final Deployments deployments;
    private final PlatformMetrics metrics;
    private final PublicEndpoints publicEndpoints;
    private final InstanceEndpoints instanceEndpoints;
    private final ApiServer server;
    private final OperationWaits operationWaits = new OperationWaits();
    private final Optional<String> firstAdministratorKey;
    private final StorageAccounts storageAccounts;
    private final Drives drives;
    private final CertificateAuthority authority;

    /**
     * What the API needs from the rest of the platform; {@code authority} serves the host link over TLS and issues
     * hosts their certificates (see {@link org.vmrole.api.hostlink.ControllerAuthority} for where it is kept).
     */
    public record Parts(Store store, Clock clock, FabricController fabric, ImageRepository images, CertificateAuthority authority) {
        /** With an authority that lives as long as this process (tests). */
        public Parts(Store store, Clock clock, FabricController fabric, ImageRepository images) {
            this(store, clock, fabric, images, CertificateAuthority.create("vmrole controller", clock.instant()));
        }
    }

    public ManagementApi(Parts parts, String givenAdminKey, List<Route> moreRoutes) {
        ObjectMapper json = json();
        Store store = parts.store();
        AuditLog audit = new AuditLog(store, json);
        this.tenants = new Tenants(store, json, audit, parts.clock());
        this.beta = new BetaPrograms(store, json, audit, parts.clock(), tenants);
        HostedServices services = new HostedServices(store, json, audit, parts.clock(), tenants);
        this.storageAccounts = new StorageAccounts(store, json, audit, parts.clock(), tenants);
        this.drives = new Drives(store, json, audit, parts.clock(), tenants, storageAccounts);
        FencedLeases fencedLeases = new FencedLeases(storageAccounts);
        // storage calls: never on the reconciling thread
        parts.fabric().onHostFenced(fenced -> Thread.ofVirtual().name("break-leases-" + fenced.host()).start(() -> fencedLeases.breakAll(fenced)));
        InstanceEndpoints endpoints = new InstanceEndpoints();
        this.instanceEndpoints = endpoints;
        Ownership operations = new Ownership(store, json, "Operation");
        Ownership uploads = new Ownership(store, json, "Upload");
        // finished operations are forgotten after a while, and who owned them with them
        parts.fabric().retainOperations(OperationRetention.DEFAULT, operations::forgetting);
        this.publicEndpoints = new PublicEndpoints();
        this.deployments = new Deployments(store, parts.fabric(), services, tenants, beta, audit, operations,
                (subscription, href) -> digestOf(parts.images(), subscription, href),
                (subscription, digest) -> contentsOf(parts.images(), subscription, digest), endpoints, json, publicEndpoints, drives::attachment);
        this.metrics = new PlatformMetrics(parts.fabric());
        this.firstAdministratorKey = tenants.ensureAdministratorKey(givenAdminKey);
        beta.ensureVmRoleProgram();
        List<Route> routes = new ArrayList<>();
        routes.addAll(TenancyRoutes.of(tenants, audit, new SubscriptionContents(services, parts.fabric(), parts.images(), List.of(operations, uploads), beta,
                storageAccounts)));
        routes.addAll(StorageAccountRoutes.of(storageAccounts, tenants, drives::inAccount));
        routes.addAll(DriveRoutes.of(drives, tenants, (subscription, drive) -> DriveUsers.of(parts.fabric().listDeployments(), subscription, drive)));
        routes.addAll(BetaRoutes.of(beta));
        routes.addAll(ImageRoutes.of(parts.images(), uploads, store, audit, parts.clock(), metrics::uploaded, tenants));
        HostRequests hostRequests = new HostRequests(HostRequests.ANSWER_TIMEOUT);
        routes.addAll(ServiceRoutes.of(services, deployments, hostRequests, operationWaits));
        routes.addAll(HostRoutes.of(parts.fabric(), parts.authority()));
        routes.addAll(HostLinkRoutes.of(parts.fabric(), parts.images()::openBlob, endpoints, hostRequests, parts.authority(),
                this::hostLinkPort, a -> drives.withKeys(a, parts.fabric().getDeployment(a.deploymentId())
                        .map(d -> d.serviceName().substring(0, Math.max(0, d.serviceName().indexOf('/')))).orElse(null)),
                new WantedImages(parts.images(), parts.fabric(), ImagesToWarm.DEFAULT, parts.clock(), WantedImages.EVERY)));
        routes.add(new Route(HandlerType.GET, "/metrics", Access.ADMIN, "Prometheus metrics of the platform", 200,
                (ctx, who) -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape())));
        routes.addAll(WhoAmIRoutes.of());
        routes.addAll(UsageRoutes.of(tenants, deployments, parts.images()));
        routes.addAll(OperationListRoutes.of(parts.fabric(), new Ownership(store, json, "Operation")));
        routes.addAll(PortalResources.routes());
        routes.addAll(moreRoutes);
        this.server = new ApiServer(json, tenants::authenticate, routes, new TlsIdentity(parts.authority().credentials()).sslContext());
        this.authority = parts.authority();
    }

    /** A role's image href (a name, or a digest the subscription owns) to the stored digest, or null. */
    static String digestOf(ImageRepository images, String subscription, String href) {
        try {
            if (ImageCatalog.DIGEST.matcher(href).matches()) {
                return images.list(subscription).stream().map(ImageRecord::digest).filter(href::equals).findFirst().orElse(null);
            }
            if (!ImageCatalog.NAME.matcher(href).matches()) return null;
            return images.find(subscription, href).map(ImageRecord::digest).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image catalog: " + e.getMessage(), e);
        }
    }

    /** What upload inspection found in the subscription's image with this digest, or null when unknown. */
    static org.vmrole.image.contents.ImageContents contentsOf(ImageRepository images, String subscription, String digest) {
        try {
            return images.list(subscription).stream().filter(r -> r.digest().equals(digest) && r.contents() != null)
                    .map(ImageRecord::contents).findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image catalog: " + e.getMessage(), e);
        }
    }

    /** The JSON rules of the API: ISO-8601 times, and unknown fields refused so a typo is an error, not a silent default. */
    public static ObjectMapper json() {
        return new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public ManagementApi start(String host, int port) {
        return start(host, port, 0);
    }

    /** Listens on {@code port} for the API and on {@code hostLinkPort} (0: any free port) for the host link's TLS. */
    public ManagementApi start(String host, int port, int hostLinkPort) {
        server.tlsPort(hostLinkPort).start(host, port);
        return this;
    }

    /** The port the host link's TLS listens on; hosts learn it from {@code GET /hostlink/v1/tls} on the API port. */
    public int hostLinkPort() { return server.tlsPort(); }

    /** The administrator key made on this first start; shown once, empty on later starts. */
    public Optional<String> firstAdministratorKey() { return firstAdministratorKey; }

    /** The controller's authority: its certificate's fingerprint is what join tokens pin. */
    public CertificateAuthority authority() { return authority; }

    public Tenants tenants() { return tenants; }

    public BetaPrograms beta() { return beta; }

    /** Tenants' storage accounts: the platform tells them where storage runs and serves them there. */
    public StorageAccounts storageAccounts() { return storageAccounts; }

    public Drives drives() { return drives; }

    public Deployments deployments() { return deployments; }

    public PlatformMetrics metrics() { return metrics; }

    /** Where the traffic layer publishes each deployment's load-balanced addresses. */
    public PublicEndpoints publicEndpoints() { return publicEndpoints; }

    /** Where each instance's endpoints are published, as its host last reported. */
    public InstanceEndpoints instanceEndpoints() { return instanceEndpoints; }

    public ApiServer server() { return server; }

    /** The long polls on operations waiting now. */
    public OperationWaits operationWaits() { return operationWaits; }

    public int port() { return server.port(); }

    @Override
    public void close() {
        server.close();
        operationWaits.close();
    }
}
