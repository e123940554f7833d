package org.vmrole.model.service;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.vmrole.model.VmSize;

/**
 * Reads the single-file YAML form of a service: definition and configuration together.
 * The shape is documented in {@code examples/README.md}; it maps to the same model as a csdef/cscfg pair.
 */
final class YamlServiceReader {
    private static final Set<String> SERVICE_KEYS = Set.of("service", "upgradeDomainCount", "probes", "roles");
    private static final Set<String> PROBE_KEYS = Set.of("name", "protocol", "path", "port", "intervalInSeconds", "timeoutInSeconds");
    private static final Set<String> ROLE_KEYS = Set.of("name", "vmsize", "instances", "image", "inputEndpoints", "internalEndpoints", "settings", "localStorage", "userData", "drives");
    private static final Set<String> INPUT_KEYS = Set.of("name", "protocol", "port", "localPort", "probe");
    private static final Set<String> INTERNAL_KEYS = Set.of("name", "protocol", "port");
    private static final Set<String> STORAGE_KEYS = Set.of("name", "sizeInMB", "cleanOnRoleRecycle");
    private static final Set<String> DRIVE_KEYS = Set.of("name", "account", "drive", "mode");

    private final ReadContext ctx;

    private YamlServiceReader(ReadContext ctx) {
        this.ctx = ctx;
    }

    static ServiceReading read(String file, InputStream in) {
        ReadContext ctx = new ReadContext(new SourceMap(file, file));
        YamlNode root = YamlDocuments.read(file, in, ctx.problems);
        if (root == null) return new ServiceReading(Optional.empty(), ctx.sources, ctx.problems);
        Optional<ServiceModel> model = new YamlServiceReader(ctx).service(root);
        return new ServiceReading(model, ctx.sources, ctx.problems);
    }

    private Optional<ServiceModel> service(YamlNode root) {
        if (!(root instanceof YamlNode.Mapping m)) {
            ctx.error(root.where(), "the document is " + root.kind() + "; expected a map with keys service, upgradeDomainCount, probes, roles");
            return Optional.empty();
        }
        knownKeys(m, SERVICE_KEYS, "the service");
        ctx.sources.put(SourceMap.service(), m.where());
        String name = text(m, "service");
        if (name == null) {
            ctx.error(m.where(), "key 'service' (the service's name) is missing. Add service: MyService");
            name = "";
        }
        ctx.sources.put(SourceMap.upgradeDomainCount(), place(m, "upgradeDomainCount"));
        int ud = integer(m, "upgradeDomainCount", "upgradeDomainCount: 5").orElse(ServiceModel.DEFAULT_UPGRADE_DOMAIN_COUNT);

        List<Probe> probes = new ArrayList<>();
        Map<String, SourceLocation> seenProbes = new HashMap<>();
        for (YamlNode.Mapping p : maps(m, "probes", "probe")) {
            knownKeys(p, PROBE_KEYS, "a probe");
            String pn = text(p, "name");
            if (pn == null) {
                ctx.error(p.where(), "a probe has no name. Add name: MyProbe");
                continue;
            }
            Optional<Protocol> protocol = protocol(p, "probe '" + pn + "'");
            int port = integer(p, "port", "port: 80").orElse(0);
            int interval = integer(p, "intervalInSeconds", "intervalInSeconds: 15").orElse(Probe.DEFAULT_INTERVAL_SECONDS);
            int timeout = integer(p, "timeoutInSeconds", "timeoutInSeconds: 31").orElse(Probe.DEFAULT_TIMEOUT_SECONDS);
            if (protocol.isEmpty() || !unique(seenProbes, pn, p.where(), "probe", "Rename one of the probes")) continue;
            ctx.sources.put(SourceMap.probe(pn), p.where());
            String path = text(p, "path");
            probes.add(new Probe(pn, protocol.get(), path == null ? "" : path, port, interval, timeout));
        }

        List<RoleModel> roles = new ArrayList<>();
        Map<String, SourceLocation> seenRoles = new HashMap<>();
        List<YamlNode.Mapping> roleMaps = maps(m, "roles", "role");
        if (roleMaps.isEmpty()) ctx.error(place(m, "roles"), "the service defines no roles. Add roles: with at least one role (name, vmsize, instances, image)");
        for (YamlNode.Mapping r : roleMaps) {
            RoleModel role = role(r);
            if (role != null && unique(seenRoles, role.name(), r.where(), "role", "Rename one of the roles")) roles.add(role);
        }
        return Optional.of(new ServiceModel(name, ud, probes, roles));
    }

    private RoleModel role(YamlNode.Mapping r) {
        knownKeys(r, ROLE_KEYS, "a role");
        String name = text(r, "name");
        if (name == null) {
            ctx.error(r.where(), "a role has no name. Add name: MyRole");
            return null;
        }
        if (ctx.sources.has(SourceMap.role(name))) return new RoleModel(name, VmSize.Small, 0, "", List.of(), List.of(), List.of(), Map.of(), List.of());
        ctx.sources.put(SourceMap.role(name), r.where());
        ctx.sources.put(SourceMap.roleConfig(name), r.where());
        ctx.sources.put(SourceMap.roleSize(name), place(r, "vmsize"));
        VmSize size = VmSize.Small;
        String sizeText = text(r, "vmsize");
        if (sizeText == null) {
            ctx.error(r.where(), "role '" + name + "' has no vmsize. Add vmsize: Small (or ExtraSmall, Medium, Large, ExtraLarge)");
        } else {
            try {
                size = VmSize.parse(sizeText);
            } catch (IllegalArgumentException e) {
                ctx.error(place(r, "vmsize"), "role '" + name + "': " + e.getMessage());
            }
        }
        if (r.get("instances") == null) ctx.error(r.where(), "role '" + name + "' gives no instance count. Add instances: 2");
        OptionalInt parsedCount = integer(r, "instances", "instances: 2");
        // only a count that was read is checked further; a missing or garbled one is already reported
        if (parsedCount.isPresent()) ctx.sources.put(SourceMap.instances(name), place(r, "instances"));
        int instances = parsedCount.orElse(0);
        if (r.get("image") != null) ctx.sources.put(SourceMap.image(name), place(r, "image"));
        String image = text(r, "image");

        List<InputEndpoint> inputs = new ArrayList<>();
        List<InternalEndpoint> internals = new ArrayList<>();
        Map<String, SourceLocation> seenEndpoints = new HashMap<>();
        for (YamlNode.Mapping e : maps(r, "inputEndpoints", "input endpoint")) {
            knownKeys(e, INPUT_KEYS, "an input endpoint");
            String en = endpointName(e, seenEndpoints, name);
            Optional<Protocol> protocol = protocol(e, "endpoint '" + en + "' of role '" + name + "'");
            OptionalInt port = port(e, en, name);
            if (en == null || protocol.isEmpty() || port.isEmpty()) continue;
            int localPort = integer(e, "localPort", "localPort: 8080").orElse(port.getAsInt());
            ctx.sources.put(SourceMap.input(name, en), e.where());
            inputs.add(new InputEndpoint(en, protocol.get(), port.getAsInt(), localPort, Optional.ofNullable(text(e, "probe"))));
        }
        for (YamlNode.Mapping e : maps(r, "internalEndpoints", "internal endpoint")) {
            knownKeys(e, INTERNAL_KEYS, "an internal endpoint");
            String en = endpointName(e, seenEndpoints, name);
            Optional<Protocol> protocol = protocol(e, "endpoint '" + en + "' of role '" + name + "'");
            OptionalInt port = port(e, en, name);
            if (en == null || protocol.isEmpty() || port.isEmpty()) continue;
            ctx.sources.put(SourceMap.internal(name, en), e.where());
            internals.add(new InternalEndpoint(en, protocol.get(), port.getAsInt()));
        }

        List<String> settingNames = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        YamlNode settings = r.get("settings");
        if (settings instanceof YamlNode.Mapping sm) {
            for (var entry : sm.entries().entrySet()) {
                SourceLocation keyAt = sm.keyPlaces().get(entry.getKey());
                settingNames.add(entry.getKey());
                ctx.sources.put(SourceMap.settingDeclared(name, entry.getKey()), keyAt);
                if (entry.getValue() instanceof YamlNode.Scalar s) {
                    if (s.text() != null) {
                        values.put(entry.getKey(), s.text());
                        ctx.sources.put(SourceMap.settingValue(name, entry.getKey()), keyAt);
                    }
                } else {
                    ctx.error(entry.getValue().where(), "setting '" + entry.getKey() + "' of role '" + name + "' is " + entry.getValue().kind()
                            + "; a setting's value is text. Write " + entry.getKey() + ": \"...\"");
                }
            }
        } else if (settings != null && !isNull(settings)) {
            ctx.error(settings.where(), "settings of role '" + name + "' is " + settings.kind() + "; expected a map of name: value, e.g. Greeting: hello");
        }

        List<LocalStorage> storage = new ArrayList<>();
        Map<String, SourceLocation> seenStorage = new HashMap<>();
        for (YamlNode.Mapping s : maps(r, "localStorage", "local storage")) {
            knownKeys(s, STORAGE_KEYS, "a local storage");
            String sn = text(s, "name");
            if (sn == null) {
                ctx.error(s.where(), "a local storage of role '" + name + "' has no name. Add name: Scratch");
                continue;
            }
            if (s.get("sizeInMB") == null) ctx.error(s.where(), "local storage '" + sn + "' has no size. Add sizeInMB: 1024");
            OptionalInt sz = integer(s, "sizeInMB", "sizeInMB: 1024");
            boolean clean = ctx.bool(text(s, "cleanOnRoleRecycle"), true, place(s, "cleanOnRoleRecycle"), "local storage '" + sn + "': cleanOnRoleRecycle");
            if (sz.isEmpty() || !unique(seenStorage, sn, s.where(), "local storage", "Rename one of them in role '" + name + "'")) continue;
            ctx.sources.put(SourceMap.storage(name, sn), s.where());
            storage.add(new LocalStorage(sn, sz.getAsInt(), clean));
        }
        List<DriveBinding> drives = new ArrayList<>();
        Map<String, SourceLocation> seenDrives = new HashMap<>();
        for (YamlNode.Mapping d : maps(r, "drives", "drive")) {
            knownKeys(d, DRIVE_KEYS, "a drive");
            String dn = text(d, "name");
            String account = text(d, "account");
            String drive = text(d, "drive");
            String mode = text(d, "mode") == null ? "write" : text(d, "mode").trim();
            String example = "{name: data, account: myaccount, drive: mydrive, mode: write}";
            if (dn == null || account == null || drive == null) {
                ctx.error(d.where(), "a drive of role '" + name + "' needs name, account and drive: " + example);
                continue;
            }
            List<String> problems = DriveBinding.problems(name, dn, account, drive, mode);
            problems.forEach(p -> ctx.error(d.where(), p));
            if (!problems.isEmpty() || !unique(seenDrives, dn, d.where(), "drive", "Rename one of them in role '" + name + "'")) continue;
            ctx.sources.put(SourceMap.drive(name, dn), d.where());
            drives.add(new DriveBinding(dn, account, drive, mode));
        }
        String userData = text(r, "userData");
        return new RoleModel(name, size, instances, image == null ? "" : image.trim(), inputs, internals, settingNames, values, storage,
                userData == null ? "" : userData.strip(), drives);
    }

    private String endpointName(YamlNode.Mapping e, Map<String, SourceLocation> seen, String role) {
        String en = text(e, "name");
        if (en == null) {
            ctx.error(e.where(), "an endpoint of role '" + role + "' has no name. Add name: HttpIn");
            return null;
        }
        return unique(seen, en, e.where(), "endpoint", "Endpoint names must be unique within role '" + role + "'; rename one") ? en : null;
    }

    private OptionalInt port(YamlNode.Mapping e, String endpoint, String role) {
        if (e.get("port") == null) {
            ctx.error(e.where(), "endpoint '" + endpoint + "' of role '" + role + "' has no port. Add port: 80");
            return OptionalInt.empty();
        }
        return integer(e, "port", "port: 80");
    }

    private Optional<Protocol> protocol(YamlNode.Mapping m, String owner) {
        String text = text(m, "protocol");
        if (text == null) {
            ctx.error(m.where(), owner + " has no protocol. Add protocol: tcp or protocol: http");
            return Optional.empty();
        }
        Optional<Protocol> p = Protocol.parse(text);
        if (p.isEmpty()) {
            String hint = text.equalsIgnoreCase("https") ? " (terminate TLS inside the role and use tcp)" : "";
            ctx.error(place(m, "protocol"), owner + " has protocol '" + text + "', which vmrole does not support" + hint + ". Use protocol: tcp or protocol: http");
        }
        return p;
    }

    private boolean unique(Map<String, SourceLocation> seen, String name, SourceLocation where, String what, String fix) {
        SourceLocation first = seen.putIfAbsent(name, where);
        if (first == null) return true;
        ctx.error(where, what + " '" + name + "' is defined twice (first at " + first + "). " + fix);
        return false;
    }

    private void knownKeys(YamlNode.Mapping m, Set<String> known, String what) {
        for (var k : m.keyPlaces().entrySet()) {
            if (!known.contains(k.getKey())) {
                ctx.error(k.getValue(), "unknown key '" + k.getKey() + "' in " + what + ". Use one of: " + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private SourceLocation place(YamlNode.Mapping m, String key) {
        SourceLocation at = m.keyPlaces().get(key);
        return at == null ? m.where() : at;
    }

    private String text(YamlNode.Mapping m, String key) {
        YamlNode n = m.get(key);
        if (n == null) return null;
        if (n instanceof YamlNode.Scalar s) return s.text() == null || s.text().isBlank() ? null : s.text();
        ctx.error(n.where(), "'" + key + "' is " + n.kind() + "; expected a single value");
        return null;
    }

    private OptionalInt integer(YamlNode.Mapping m, String key, String example) {
        return ctx.integer(text(m, key), place(m, key), "'" + key + "'", example);
    }

    private List<YamlNode.Mapping> maps(YamlNode.Mapping m, String key, String what) {
        YamlNode n = m.get(key);
        if (n == null || isNull(n)) return List.of();
        if (!(n instanceof YamlNode.Sequence seq)) {
            ctx.error(n.where(), "'" + key + "' is " + n.kind() + "; expected a list (each item starting with '- ')");
            return List.of();
        }
        List<YamlNode.Mapping> out = new ArrayList<>();
        for (YamlNode item : seq.items()) {
            if (item instanceof YamlNode.Mapping im) out.add(im);
            else ctx.error(item.where(), "each item of '" + key + "' is a " + what + " written as a map (name: ..., ...); this one is " + item.kind());
        }
        return out;
    }

    private static boolean isNull(YamlNode n) {
        return n instanceof YamlNode.Scalar s && s.text() == null;
    }
}
