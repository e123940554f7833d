package org.vmrole.api.services;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.store.Optimistic;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.model.UpgradeMode;
import java.util.stream.Collectors;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.beta.BetaProgram;
import org.vmrole.api.beta.BetaPrograms;
import org.vmrole.api.hostlink.InstanceEndpoints;
import org.vmrole.fabric.controller.PrivateNetworkPlan;
import org.vmrole.image.contents.ImageContents;
import org.vmrole.model.InstanceName;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.traffic.PublicEndpoints;
import org.vmrole.api.traffic.ServiceTraffic;
import org.vmrole.api.traffic.TrafficInstance;
import org.vmrole.api.traffic.TrafficSpec;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.api.tenancy.Usage;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.reconcile.Sla;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;
import org.vmrole.model.service.ImageCatalog;
import org.vmrole.model.service.Problem;
import org.vmrole.model.service.ServiceModel;
import org.vmrole.model.service.ServiceModelReader;
import org.vmrole.model.service.ServiceReading;
import org.vmrole.model.service.ServiceValidator;
import org.vmrole.model.service.ValidationReport;
import org.vmrole.model.service.ValidationRules;

/**
 * Deployments in the slots of hosted services: validates what a subscription sends, checks its beta admission
 * and limits, and hands desired state to the fabric controller. Each change answers with the fabric's operation.
 */
public final class Deployments {
    private final Store store;
    private final FabricController fabric;
    private final HostedServices services;
    private final Tenants tenants;
    private final BetaPrograms beta;
    private final AuditLog audit;
    private final Ownership owners;
    private final BiFunction<String, String, String> imageDigest;
    private final BiFunction<String, String, ImageContents> imageContents;
    private final DriveResolver drives;
    private final InstanceEndpoints endpoints;
    private final JsonRecords<TrafficSpec> traffic;
    private final PublicEndpoints publicEndpoints;
    private final SecureRandom random = new SecureRandom();
    // the definition and configuration text of every version, so an upgrade may send a new configuration alone
    private final JsonRecords<Request> sources = new JsonRecords<>(new ObjectMapper(), "/api/deployment-sources/", Request.class);

    /**
     * @param imageDigest (subscription, href) to the digest of that subscription's image, or null
     */
    public Deployments(Store store, FabricController fabric, HostedServices services, Tenants tenants, BetaPrograms beta,
                       AuditLog audit, Ownership owners, BiFunction<String, String, String> imageDigest, InstanceEndpoints endpoints,
                       ObjectMapper json, PublicEndpoints publicEndpoints) {
        this(store, fabric, services, tenants, beta, audit, owners, imageDigest, (subscription, digest) -> null, endpoints, json, publicEndpoints);
    }

    /** @param imageContents (subscription, digest) to what upload inspection found in that image, or null when unknown */
    public Deployments(Store store, FabricController fabric, HostedServices services, Tenants tenants, BetaPrograms beta,
                       AuditLog audit, Ownership owners, BiFunction<String, String, String> imageDigest,
                       BiFunction<String, String, ImageContents> imageContents, InstanceEndpoints endpoints,
                       ObjectMapper json, PublicEndpoints publicEndpoints) {
        this(store, fabric, services, tenants, beta, audit, owners, imageDigest, imageContents, endpoints, json, publicEndpoints,
                (subscription, role, drive) -> {
                    throw ApiException.badRequest("DrivesUnavailable", "role '" + role + "' binds drive '" + drive.name() + "', but this platform resolves no drives", role);
                });
    }

    /** Resolves a role's drive binding within a subscription to what a host attaches, or refuses it (400/404) with the fix. */
    @FunctionalInterface
    public interface DriveResolver {
        org.vmrole.model.host.DriveAttachment resolve(String subscriptionId, String role, org.vmrole.model.service.DriveBinding binding);
    }

    /** @param drives resolves the drives roles bind (see {@link DriveResolver}) */
    public Deployments(Store store, FabricController fabric, HostedServices services, Tenants tenants, BetaPrograms beta,
                       AuditLog audit, Ownership owners, BiFunction<String, String, String> imageDigest,
                       BiFunction<String, String, ImageContents> imageContents, InstanceEndpoints endpoints,
                       ObjectMapper json, PublicEndpoints publicEndpoints, DriveResolver drives) {
        this.drives = drives;
        this.imageContents = imageContents;
        this.endpoints = endpoints;
        this.traffic = new JsonRecords<>(json, "/api/traffic/", TrafficSpec.class);
        this.publicEndpoints = publicEndpoints;
        this.store = store;
        this.fabric = fabric;
        this.services = services;
        this.tenants = tenants;
        this.beta = beta;
        this.audit = audit;
        this.owners = owners;
        this.imageDigest = imageDigest;
    }

    /** What a client sends to create a deployment: a csdef + cscfg pair, or one YAML document. */
    public record Request(String definition, String configuration, String yaml, String definitionName, String configurationName) {}

    /**
     * What a client sends to upgrade a deployment: a new version as for {@link Request} (a configuration alone reuses
     * the running version's definition), {@code mode} auto (default) or manual, and {@code image}, an image name
     * that every role runs instead of its configuration's.
     */
    public record UpgradeRequest(String definition, String configuration, String yaml, String definitionName, String configurationName,
                                 String mode, String image) {}

    /**
     * Fills an empty slot. The slot, the subscription's turn and the fabric's deployment are written in one store commit, so of
     * parallel deploys into one slot exactly one wins (the others get 409 SlotOccupied and leave nothing behind), and
     * parallel deploys of one subscription are counted against its limits one after the other (its {@link Tenants#turn}).
     */
    public Operation create(Principal who, String subscriptionId, String serviceName, String slot, Request request) {
        HostedService.requireValidSlot(slot);
        services.get(subscriptionId, serviceName);
        beta.requireAdmission(BetaProgram.VM_ROLE, subscriptionId);
        ServiceModel model = validate(subscriptionId, request);
        String id = "d-" + HexFormat.of().formatHex(bytes(5));
        Operation op = Optimistic.retry(() -> {
            Write turn = tenants.turn(subscriptionId);
            Versioned<HostedService> service = services.get(subscriptionId, serviceName);
            String current = service.value().deployments().get(slot);
            if (current != null && fabric.getDeployment(current).isPresent()) {
                throw ApiException.conflict("SlotOccupied", "the " + slot + " slot of '" + serviceName + "' already holds deployment " + current
                        + "; delete it first (./vmrole delete " + serviceName + " --slot " + slot + ")", slot);
            }
            Deployment d = DeploymentPlan.of(id, service.value(), slot, model, href -> imageDigest.apply(subscriptionId, href),
                    digest -> imageContents.apply(subscriptionId, digest), (role, binding) -> drives.resolve(subscriptionId, role, binding));
            usageOf(subscriptionId).plus(DeploymentPlan.usage(d)).requireWithin(tenants.get(who, subscriptionId).limits(), subscriptionId);
            return fabric.createDeployment(d, List.of(turn, services.setSlot(service, slot, id), traffic.put(id, TrafficSpec.of(model), Store.ANY),
                    sources.put(sourceId(id, d.version()), request, Store.ANY),
                    audit.record(services.entry(who, subscriptionId, "deployment.create", serviceName + "/" + slot))));
        });
        store.commit(List.of(owners.record(op.id(), new Ownership.Owner(subscriptionId, serviceName, slot))));
        return op;
    }

    /** Starts a rolling upgrade of the deployment in the slot to a new version; validated and resolved exactly as {@link #create}. */
    public Operation upgrade(Principal who, String subscriptionId, String serviceName, String slot, UpgradeRequest r) {
        Deployment d = require(subscriptionId, serviceName, slot);
        if (r == null) throw ApiException.badRequest("MissingField", "send the new version: 'configuration' (and 'definition'), or 'yaml'", "body");
        UpgradeMode mode = mode(r.mode());
        Request source = sourceOf(d, r);
        String image = r.image() == null || r.image().isBlank() ? null : r.image();
        if (image != null && imageDigest.apply(subscriptionId, image) == null) {
            throw ApiException.badRequest("ImageNotFound", "image '" + image + "' has not been uploaded by this subscription; upload it with ./vmrole image upload FILE --name " + image, "image");
        }
        Function<String, String> resolve = href -> imageDigest.apply(subscriptionId, image != null ? image : href);
        ServiceModel model = validate(subscriptionId, source, resolve);
        Versioned<HostedService> service = services.get(subscriptionId, serviceName);
        Deployment next = DeploymentPlan.of(d.id(), service.value(), slot, model, resolve, digest -> imageContents.apply(subscriptionId, digest),
                (role, binding) -> drives.resolve(subscriptionId, role, binding));
        List<String> running = d.roles().stream().map(RoleSpec::name).sorted().toList();
        List<String> offered = next.roles().stream().map(RoleSpec::name).sorted().toList();
        if (!running.equals(offered)) {
            throw ApiException.badRequest("RoleMismatch", "the new version names roles " + offered + " but the deployment runs " + running
                    + "; an upgrade keeps the role names (deploy to the staging slot to change them)", "definition");
        }
        Operation op = Optimistic.retry(() -> {
            Write turn = tenants.turn(subscriptionId);
            Deployment now = require(subscriptionId, serviceName, slot);
            Usage delta = new Usage(DeploymentPlan.usage(next).cores() - DeploymentPlan.usage(now).cores(), 0, 0, 0);
            usageOf(subscriptionId).plus(delta).requireWithin(tenants.get(who, subscriptionId).limits(), subscriptionId);
            return fabric.upgrade(now.id(), next.roles(), mode, List.of(turn));
        });
        store.commit(List.of(owners.record(op.id(), new Ownership.Owner(subscriptionId, serviceName, slot)),
                sources.put(sourceId(d.id(), d.version() + 1), source, Store.ANY),
                audit.record(services.entry(who, subscriptionId, "deployment.upgrade", serviceName + "/" + slot + " to version " + (d.version() + 1)))));
        return op;
    }

    /** Permits a manual upgrade to walk the next update domain. */
    public Operation walk(Principal who, String subscriptionId, String serviceName, String slot, int domain) {
        Deployment d = require(subscriptionId, serviceName, slot);
        return recorded(who, subscriptionId, serviceName, slot, "deployment.walk", "UD " + domain, fabric.walk(d.id(), domain));
    }

    /** Returns the walked update domains to the version before the upgrade. */
    public Operation rollback(Principal who, String subscriptionId, String serviceName, String slot) {
        Deployment d = require(subscriptionId, serviceName, slot);
        return recorded(who, subscriptionId, serviceName, slot, "deployment.rollback", "upgrade", fabric.rollback(d.id()));
    }

    private static UpgradeMode mode(String text) {
        if (text == null || text.isBlank() || text.equalsIgnoreCase("auto")) return UpgradeMode.Auto;
        if (text.equalsIgnoreCase("manual")) return UpgradeMode.Manual;
        throw ApiException.badRequest("InvalidMode", "mode '" + text + "' is not known; give auto (walk every update domain) or manual (walk each with /upgrade/walk)", "mode");
    }

    /** The new version's text; a configuration alone takes the definition the running version was deployed with. */
    private Request sourceOf(Deployment d, UpgradeRequest r) {
        boolean onlyConfiguration = (r.yaml() == null || r.yaml().isBlank()) && r.definition() == null && r.configuration() != null;
        if (!onlyConfiguration) return new Request(r.definition(), r.configuration(), r.yaml(), r.definitionName(), r.configurationName());
        Request before = sources.get(store, sourceId(d.id(), d.version())).map(Versioned::value).orElse(null);
        if (before == null || before.definition() == null) {
            throw ApiException.badRequest("MissingField", "deployment " + d.id() + " keeps no csdef of its version " + d.version()
                    + " (it was deployed from YAML, or before versions were kept); send 'definition' too", "definition");
        }
        return new Request(before.definition(), r.configuration(), null, before.definitionName(), r.configurationName());
    }

    private static String sourceId(String deploymentId, int version) {
        return deploymentId + "/" + version;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private ServiceModel validate(String subscriptionId, Request r) {
        return validate(subscriptionId, r, href -> imageDigest.apply(subscriptionId, href));
    }

    /** @param resolve an image name to its digest for this request, or null when unknown */
    private ServiceModel validate(String subscriptionId, Request r, Function<String, String> resolve) {
        if (r == null) throw ApiException.badRequest("MissingField", "send 'definition' and 'configuration' (csdef/cscfg XML) or 'yaml'", "body");
        ServiceReading reading;
        if (r.yaml() != null && !r.yaml().isBlank()) {
            reading = ServiceModelReader.readYaml(orDefault(r.definitionName(), "service.yaml"), utf8(r.yaml()));
        } else if (r.definition() != null && r.configuration() != null) {
            reading = ServiceModelReader.readAzure(orDefault(r.definitionName(), "ServiceDefinition.csdef"), utf8(r.definition()),
                    orDefault(r.configurationName(), "ServiceConfiguration.cscfg"), utf8(r.configuration()));
        } else {
            throw ApiException.badRequest("MissingField", "send 'definition' and 'configuration' (csdef/cscfg XML) or 'yaml'", "body");
        }
        ImageCatalog catalog = href -> resolve.apply(href) != null;
        ValidationReport report = new ServiceValidator(new ValidationRules(ValidationRules.DEFAULT_MAX_INSTANCES_PER_ROLE, catalog)).validate(reading);
        if (!report.valid()) {
            throw ApiException.badRequest("InvalidService", report.errors().stream().map(Problem::toString).collect(Collectors.joining("\n")), "definition");
        }
        return report.model().orElseThrow();
    }

    private static ByteArrayInputStream utf8(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isBlank() ? d : v;
    }


    /** Cores and instances the subscription's live deployments hold. */
    public Usage usageOf(String subscriptionId) {
        Usage u = new Usage(0, 0, 0, 0);
        for (Deployment d : fabric.listDeployments()) {
            if (!d.deleting() && d.serviceName().startsWith(subscriptionId + "/")) u = u.plus(DeploymentPlan.usage(d));
        }
        return u;
    }

    /** The deployment in a slot; a slot whose deployment is gone reads as empty (404). */
    public Deployment inSlot(String subscriptionId, String serviceName, String slot) {
        HostedService.requireValidSlot(slot);
        HostedService s = services.get(subscriptionId, serviceName).value();
        String id = s.deployments().get(slot);
        return id == null ? null : fabric.getDeployment(id).orElse(null);
    }

    private Deployment require(String subscriptionId, String serviceName, String slot) {
        Deployment d = inSlot(subscriptionId, serviceName, slot);
        if (d == null) throw ApiException.notFound("Deployment", serviceName + "/" + slot);
        return d;
    }

    public DeploymentView show(String subscriptionId, String serviceName, String slot) {
        Deployment d = require(subscriptionId, serviceName, slot);
        return DeploymentView.of(services.get(subscriptionId, serviceName).value(), d, instances(d), Sla.of(fabric.listInstances(d.id())),
                publicEndpoints.of(d.id()));
    }

    private List<DeploymentView.InstanceStatus> instances(Deployment d) {
        Map<String, String> hostAddresses = hostAddresses();
        return fabric.listInstances(d.id()).stream()
                .map(v -> DeploymentView.InstanceStatus.of(v, hostAddresses.getOrDefault(v.host(), Host.LOOPBACK),
                        endpoints.of(v.host(), v.deploymentId() + "/" + v.instance()),
                        PrivateNetworkPlan.addressOf(d, InstanceName.parse(v.instance())).orElse(null))).toList();
    }

    /** The deployment's instances and the old copies that serve while their instances move make-before-break. */
    private List<TrafficInstance> trafficInstances(Deployment d, Map<String, String> hostAddresses) {
        return java.util.stream.Stream.concat(fabric.listInstances(d.id()).stream(), fabric.listHandoverCopies(d.id()).stream())
                .map(v -> new TrafficInstance(InstanceName.parse(v.instance()), v.state(), hostAddresses.getOrDefault(v.host(), Host.LOOPBACK),
                        endpoints.of(v.host(), v.deploymentId() + "/" + v.instance()))).toList();
    }

    /** Where each host publishes its instances' endpoints. */
    private Map<String, String> hostAddresses() {
        Map<String, String> out = new HashMap<>();
        for (Host h : fabric.listHosts()) out.put(h.name(), h.endpointAddress());
        return out;
    }

    /** Every service with deployments, as the load balancer needs it. */
    public List<ServiceTraffic> traffic() {
        List<ServiceTraffic> out = new ArrayList<>();
        Map<String, String> hostAddresses = hostAddresses();
        for (Versioned<HostedService> v : services.all()) {
            Map<String, ServiceTraffic.SlotTraffic> slots = new TreeMap<>();
            v.value().deployments().forEach((slot, id) -> {
                Deployment d = fabric.getDeployment(id).filter(x -> !x.deleting()).orElse(null);
                if (d == null) return;
                traffic.get(store, id).ifPresent(spec -> slots.put(slot, new ServiceTraffic.SlotTraffic(id, spec.value(), trafficInstances(d, hostAddresses))));
            });
            out.add(new ServiceTraffic(v.value().qualifiedName(), slots));
        }
        return out;
    }

    /** Exchanges production and staging: both must hold deployments exposing the same input endpoints. */
    public HostedService swap(Principal who, String subscriptionId, String serviceName) {
        return Optimistic.retry(() -> {
            Versioned<HostedService> s = services.get(subscriptionId, serviceName);
            Deployment prod = inSlot(subscriptionId, serviceName, HostedService.PRODUCTION);
            Deployment staging = inSlot(subscriptionId, serviceName, HostedService.STAGING);
            if (prod == null || staging == null) {
                throw ApiException.conflict("SwapNeedsBothSlots", "swap needs a deployment in both slots of '" + serviceName + "'; production holds "
                        + (prod == null ? "none" : prod.id()) + ", staging " + (staging == null ? "none" : staging.id()), serviceName);
            }
            List<String> a = traffic.get(store, prod.id()).map(v -> v.value().keys()).orElse(List.of());
            List<String> b = traffic.get(store, staging.id()).map(v -> v.value().keys()).orElse(List.of());
            if (!a.equals(b)) {
                throw ApiException.conflict("EndpointsDiffer", "production exposes " + a + " but staging exposes " + b
                        + "; both slots must expose the same input endpoints to be swapped", serviceName);
            }
            store.commit(List.of(services.swapSlots(s), audit.record(services.entry(who, subscriptionId, "service.swap", serviceName))));
            return services.get(subscriptionId, serviceName).value();
        });
    }

    /** Empties the slot and marks its deployment for deletion in one store commit. */
    public Operation delete(Principal who, String subscriptionId, String serviceName, String slot) {
        Operation op = Optimistic.retry(() -> {
            Deployment d = require(subscriptionId, serviceName, slot);
            Versioned<HostedService> service = services.get(subscriptionId, serviceName);
            return fabric.deleteDeployment(d.id(), List.of(services.setSlot(service, slot, null),
                    audit.record(services.entry(who, subscriptionId, "deployment.delete", serviceName + "/" + slot))));
        });
        store.commit(List.of(owners.record(op.id(), new Ownership.Owner(subscriptionId, serviceName, slot))));
        return op;
    }

    public Operation scale(Principal who, String subscriptionId, String serviceName, String slot, String role, int count) {
        if (count < 1 || count > ValidationRules.DEFAULT_MAX_INSTANCES_PER_ROLE) {
            throw ApiException.badRequest("InvalidInstanceCount", "instance count must be 1-" + ValidationRules.DEFAULT_MAX_INSTANCES_PER_ROLE + ", got " + count, "count");
        }
        Operation op = Optimistic.retry(() -> {
            Write turn = tenants.turn(subscriptionId);
            Deployment d = require(subscriptionId, serviceName, slot);
            var spec = d.role(role).orElseThrow(() -> ApiException.notFound("Role", role));
            Usage delta = new Usage(spec.size().cores() * (count - spec.instanceCount()), count - spec.instanceCount(), 0, 0);
            usageOf(subscriptionId).plus(delta).requireWithin(tenants.get(who, subscriptionId).limits(), subscriptionId);
            return fabric.scale(d.id(), role, count, List.of(turn));
        });
        return recorded(who, subscriptionId, serviceName, slot, "role.scale", role + "=" + count, op);
    }

    public Operation reboot(Principal who, String subscriptionId, String serviceName, String slot, String instance) {
        Deployment d = require(subscriptionId, serviceName, slot);
        return recorded(who, subscriptionId, serviceName, slot, "instance.reboot", instance, fabric.reboot(d.id(), instance));
    }

    public Operation reimage(Principal who, String subscriptionId, String serviceName, String slot, String instance) {
        Deployment d = require(subscriptionId, serviceName, slot);
        return recorded(who, subscriptionId, serviceName, slot, "instance.reimage", instance, fabric.reimage(d.id(), instance));
    }

    public InstanceView instance(String subscriptionId, String serviceName, String slot, String instance) {
        Deployment d = require(subscriptionId, serviceName, slot);
        return fabric.listInstances(d.id()).stream().filter(i -> i.instance().equals(instance)).findFirst()
                .orElseThrow(() -> ApiException.notFound("Instance", instance));
    }

    private Operation recorded(Principal who, String subscriptionId, String service, String slot, String action, String target, Operation op) {
        List<Write> writes = new ArrayList<>();
        writes.add(owners.record(op.id(), new Ownership.Owner(subscriptionId, service, slot)));
        writes.add(audit.record(services.entry(who, subscriptionId, action, service + "/" + slot + "/" + target)));
        store.commit(writes);
        return op;
    }

    /** An operation read again by id, after {@link #operation} checked the caller may see it (from memory, no store read). */
    public Operation operationAgain(String operationId) {
        return fabric.getOperation(operationId).orElseThrow(() -> ApiException.notFound("Operation", operationId));
    }

    /** An operation the caller may see: its own subscription's, or any for the administrator. */
    public Operation operation(Principal who, String operationId) {
        owners.require(who, operationId);
        return fabric.getOperation(operationId).orElseThrow(() -> ApiException.notFound("Operation", operationId));
    }
}
