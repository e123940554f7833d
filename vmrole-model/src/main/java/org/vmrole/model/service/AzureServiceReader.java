package org.vmrole.model.service;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.vmrole.model.VmSize;

/** Reads an Azure service definition ({@code .csdef}) and service configuration ({@code .cscfg}) into one model. */
final class AzureServiceReader {
    static final String DEFINITION_NS = "http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition";
    static final String CONFIGURATION_NS = "http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration";

    private final ReadContext ctx;

    private AzureServiceReader(ReadContext ctx) {
        this.ctx = ctx;
    }

    static ServiceReading read(String definitionFile, InputStream definition, String configurationFile, InputStream configuration) {
        ReadContext ctx = new ReadContext(new SourceMap(definitionFile, configurationFile));
        XmlElement def = XmlDocuments.read(definitionFile, definition, ctx.problems);
        XmlElement cfg = XmlDocuments.read(configurationFile, configuration, ctx.problems);
        if (def == null || cfg == null) return new ServiceReading(Optional.empty(), ctx.sources, ctx.problems);
        AzureServiceReader reader = new AzureServiceReader(ctx);
        Optional<ServiceModel> model = reader.merge(def, cfg);
        return new ServiceReading(model, ctx.sources, ctx.problems);
    }

    private record RoleDefinition(String name, VmSize size, List<InputEndpoint> inputs, List<InternalEndpoint> internals,
                                  List<String> settings, List<LocalStorage> storage) {}

    private record RoleConfiguration(String name, int instances, String image, Map<String, String> values, String userData, List<DriveBinding> drives) {}

    private Optional<ServiceModel> merge(XmlElement def, XmlElement cfg) {
        if (!def.name().equals("ServiceDefinition")) {
            ctx.error(def.where(), "the root element is <" + def.name() + ">, expected <ServiceDefinition>. Is this the .csdef file?");
            return Optional.empty();
        }
        if (!cfg.name().equals("ServiceConfiguration")) {
            ctx.error(cfg.where(), "the root element is <" + cfg.name() + ">, expected <ServiceConfiguration>. Is this the .cscfg file?");
            return Optional.empty();
        }
        checkNamespace(def, DEFINITION_NS);
        checkNamespace(cfg, CONFIGURATION_NS);
        String name = ctx.required(def.attribute("name"), def.where(), "<ServiceDefinition> attribute 'name'", "Add name=\"MyService\".");
        if (name == null) name = "";
        ctx.sources.put(SourceMap.service(), def.where());
        ctx.sources.put(SourceMap.upgradeDomainCount(), def.where());
        int udCount = ctx.integer(def.attribute("upgradeDomainCount"), def.where(), "upgradeDomainCount", "upgradeDomainCount=\"5\"")
                .orElse(ServiceModel.DEFAULT_UPGRADE_DOMAIN_COUNT);
        String serviceName = cfg.attribute("serviceName");
        if (serviceName != null && !serviceName.equals(name)) {
            ctx.error(cfg.where(), "serviceName is '" + serviceName + "' but the definition names the service '" + name
                    + "' (" + def.where() + "). Make them the same: serviceName=\"" + name + "\"");
        }

        List<Probe> probes = new ArrayList<>();
        List<RoleDefinition> roles = new ArrayList<>();
        Map<String, SourceLocation> seenRoles = new HashMap<>();
        for (XmlElement child : def.children()) {
            switch (child.name()) {
                case "LoadBalancerProbes" -> readProbes(child, probes);
                case "VirtualMachineRole" -> {
                    RoleDefinition r = readRole(child);
                    if (r != null && unique(seenRoles, r.name(), child.where(), "role", "Rename one of the roles")) {
                        ctx.sources.put(SourceMap.role(r.name()), child.where());
                        roles.add(r);
                    }
                }
                case "WebRole", "WorkerRole" -> ctx.error(child.where(), "<" + child.name() + "> '" + child.attribute("name")
                        + "' is a Cloud Services role; vmrole runs VM roles only. Build an image with the role's software and declare it as "
                        + "<VirtualMachineRole name=\"" + orDefault(child.attribute("name"), "MyRole") + "\" vmsize=\"Small\">");
                default -> ignored(child, "<ServiceDefinition>");
            }
        }
        if (roles.isEmpty() && def.children("WebRole").isEmpty() && def.children("WorkerRole").isEmpty()) {
            ctx.error(def.where(), "the service defines no roles. Add <VirtualMachineRole name=\"MyRole\" vmsize=\"Small\">...</VirtualMachineRole>");
        }

        Map<String, RoleConfiguration> configs = new LinkedHashMap<>();
        for (XmlElement child : cfg.children()) {
            if (child.name().equals("Role")) {
                RoleConfiguration rc = readRoleConfiguration(child);
                if (rc == null) continue;
                if (configs.containsKey(rc.name())) {
                    ctx.error(child.where(), "role '" + rc.name() + "' is configured twice (first at " + ctx.sources.locate(SourceMap.roleConfig(rc.name()))
                            + "). Remove one of the <Role name=\"" + rc.name() + "\"> elements");
                    continue;
                }
                ctx.sources.put(SourceMap.roleConfig(rc.name()), child.where());
                configs.put(rc.name(), rc);
                if (roles.stream().noneMatch(r -> r.name().equals(rc.name()))
                        && def.children().stream().noneMatch(e -> rc.name().equals(e.attribute("name")) && !e.name().equals("VirtualMachineRole"))) {
                    ctx.error(child.where(), "role '" + rc.name() + "' is configured but the definition has no such role. Remove it, or add "
                            + "<VirtualMachineRole name=\"" + rc.name() + "\" vmsize=\"Small\"> to " + ctx.sources.definitionFile());
                }
            } else {
                ignored(child, "<ServiceConfiguration>");
            }
        }

        List<RoleModel> merged = new ArrayList<>();
        for (RoleDefinition r : roles) {
            RoleConfiguration c = configs.get(r.name());
            if (c == null) {
                ctx.error(ctx.sources.configurationFile(), "role '" + r.name() + "' (defined at " + ctx.sources.locate(SourceMap.role(r.name()))
                        + ") has no configuration. Add <Role name=\"" + r.name() + "\"> with <Instances count=\"2\"/> and <OsImage href=\"...\"/>");
                c = new RoleConfiguration(r.name(), 0, "", Map.of(), "", List.of());
            }
            merged.add(new RoleModel(r.name(), r.size(), c.instances(), c.image(), r.inputs(), r.internals(), r.settings(), c.values(), r.storage(),
                    c.userData(), c.drives()));
        }
        return Optional.of(new ServiceModel(name, udCount, probes, merged));
    }

    private void checkNamespace(XmlElement root, String expected) {
        if (!root.namespace().equals(expected)) {
            ctx.warning(root.where(), "<" + root.name() + "> is in namespace '" + root.namespace() + "'; Azure's is '" + expected
                    + "'. Add xmlns=\"" + expected + "\" so Azure tools read the file too");
        }
    }

    private void ignored(XmlElement e, String parent) {
        ctx.warning(e.where(), "<" + e.name() + "> in " + parent + " is not used by vmrole and is ignored");
    }

    private boolean unique(Map<String, SourceLocation> seen, String name, SourceLocation where, String what, String fix) {
        SourceLocation first = seen.putIfAbsent(name, where);
        if (first == null) return true;
        ctx.error(where, what + " '" + name + "' is defined twice (first at " + first + "). " + fix);
        return false;
    }

    private void readProbes(XmlElement list, List<Probe> probes) {
        Map<String, SourceLocation> seen = new HashMap<>();
        for (XmlElement p : list.children()) {
            if (!p.name().equals("LoadBalancerProbe")) {
                ignored(p, "<LoadBalancerProbes>");
                continue;
            }
            String name = ctx.required(p.attribute("name"), p.where(), "<LoadBalancerProbe> attribute 'name'", "Add name=\"MyProbe\".");
            Optional<Protocol> protocol = protocol(p.attribute("protocol"), p.where(), "probe '" + name + "'");
            int port = ctx.integer(p.attribute("port"), p.where(), "probe port", "port=\"80\"").orElse(0);
            int interval = ctx.integer(p.attribute("intervalInSeconds"), p.where(), "intervalInSeconds", "intervalInSeconds=\"15\"").orElse(Probe.DEFAULT_INTERVAL_SECONDS);
            int timeout = ctx.integer(p.attribute("timeoutInSeconds"), p.where(), "timeoutInSeconds", "timeoutInSeconds=\"31\"").orElse(Probe.DEFAULT_TIMEOUT_SECONDS);
            if (name == null || protocol.isEmpty()) continue;
            if (!unique(seen, name, p.where(), "probe", "Rename one of the probes")) continue;
            ctx.sources.put(SourceMap.probe(name), p.where());
            probes.add(new Probe(name, protocol.get(), orDefault(p.attribute("path"), ""), port, interval, timeout));
        }
    }

    private Optional<Protocol> protocol(String text, SourceLocation where, String owner) {
        if (text == null) {
            ctx.error(where, owner + " has no protocol. Add protocol=\"tcp\" or protocol=\"http\"");
            return Optional.empty();
        }
        Optional<Protocol> p = Protocol.parse(text);
        if (p.isEmpty()) {
            String hint = text.equalsIgnoreCase("https") ? " (terminate TLS inside the role and use tcp)" : "";
            ctx.error(where, owner + " has protocol '" + text + "', which vmrole does not support" + hint + ". Use protocol=\"tcp\" or protocol=\"http\"");
        }
        return p;
    }

    private RoleDefinition readRole(XmlElement role) {
        String name = ctx.required(role.attribute("name"), role.where(), "<VirtualMachineRole> attribute 'name'", "Add name=\"MyRole\".");
        if (name == null) return null;
        VmSize size = VmSize.Small;
        String sizeText = role.attribute("vmsize");
        ctx.sources.put(SourceMap.roleSize(name), role.where());
        if (sizeText == null) {
            ctx.error(role.where(), "role '" + name + "' has no vmsize. Add vmsize=\"Small\" (or ExtraSmall, Medium, Large, ExtraLarge)");
        } else {
            try {
                size = VmSize.parse(sizeText);
            } catch (IllegalArgumentException e) {
                ctx.error(role.where(), "role '" + name + "': " + e.getMessage());
            }
        }
        List<InputEndpoint> inputs = new ArrayList<>();
        List<InternalEndpoint> internals = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        List<LocalStorage> storage = new ArrayList<>();
        for (XmlElement child : role.children()) {
            switch (child.name()) {
                case "Endpoints" -> readEndpoints(name, child, inputs, internals);
                case "ConfigurationSettings" -> readSettingNames(name, child, settings);
                case "LocalResources" -> readLocalStorage(name, child, storage);
                default -> ignored(child, "<VirtualMachineRole>");
            }
        }
        return new RoleDefinition(name, size, inputs, internals, settings, storage);
    }

    private void readEndpoints(String role, XmlElement list, List<InputEndpoint> inputs, List<InternalEndpoint> internals) {
        Map<String, SourceLocation> seen = new HashMap<>();
        for (XmlElement e : list.children()) {
            boolean input = e.name().equals("InputEndpoint");
            if (!input && !e.name().equals("InternalEndpoint")) {
                ignored(e, "<Endpoints>");
                continue;
            }
            String name = ctx.required(e.attribute("name"), e.where(), "<" + e.name() + "> attribute 'name'", "Add name=\"HttpIn\".");
            String owner = "endpoint '" + name + "' of role '" + role + "'";
            Optional<Protocol> protocol = protocol(e.attribute("protocol"), e.where(), owner);
            OptionalInt port = ctx.integer(e.attribute("port"), e.where(), owner + ": port", "port=\"80\"");
            if (port.isEmpty() && e.attribute("port") == null) {
                ctx.error(e.where(), owner + " has no port. Add port=\"80\"");
            }
            if (name == null || protocol.isEmpty() || port.isEmpty()) continue;
            if (!unique(seen, name, e.where(), "endpoint", "Endpoint names must be unique within role '" + role + "'; rename one")) continue;
            if (input) {
                int localPort = ctx.integer(e.attribute("localPort"), e.where(), owner + ": localPort", "localPort=\"8080\"").orElse(port.getAsInt());
                ctx.sources.put(SourceMap.input(role, name), e.where());
                inputs.add(new InputEndpoint(name, protocol.get(), port.getAsInt(), localPort, Optional.ofNullable(e.attribute("loadBalancerProbe"))));
            } else {
                ctx.sources.put(SourceMap.internal(role, name), e.where());
                internals.add(new InternalEndpoint(name, protocol.get(), port.getAsInt()));
            }
        }
    }

    private void readSettingNames(String role, XmlElement list, List<String> settings) {
        Map<String, SourceLocation> seen = new HashMap<>();
        for (XmlElement s : list.children()) {
            if (!s.name().equals("Setting")) {
                ignored(s, "<ConfigurationSettings>");
                continue;
            }
            String name = ctx.required(s.attribute("name"), s.where(), "<Setting> attribute 'name'", "Add name=\"MySetting\".");
            if (name == null || !unique(seen, name, s.where(), "setting", "Remove one of them from role '" + role + "'")) continue;
            if (s.attribute("value") != null) {
                ctx.warning(s.where(), "setting '" + name + "' has a value in the definition; values belong in the configuration and this one is ignored. Move value=\"...\" to the .cscfg");
            }
            ctx.sources.put(SourceMap.settingDeclared(role, name), s.where());
            settings.add(name);
        }
    }

    private void readLocalStorage(String role, XmlElement list, List<LocalStorage> storage) {
        Map<String, SourceLocation> seen = new HashMap<>();
        for (XmlElement s : list.children()) {
            if (!s.name().equals("LocalStorage")) {
                ignored(s, "<LocalResources>");
                continue;
            }
            String name = ctx.required(s.attribute("name"), s.where(), "<LocalStorage> attribute 'name'", "Add name=\"Scratch\".");
            OptionalInt size = ctx.integer(s.attribute("sizeInMB"), s.where(), "local storage '" + name + "': sizeInMB", "sizeInMB=\"1024\"");
            if (size.isEmpty() && s.attribute("sizeInMB") == null) ctx.error(s.where(), "local storage '" + name + "' has no size. Add sizeInMB=\"1024\"");
            boolean clean = ctx.bool(s.attribute("cleanOnRoleRecycle"), true, s.where(), "local storage '" + name + "': cleanOnRoleRecycle");
            if (name == null || size.isEmpty() || !unique(seen, name, s.where(), "local storage", "Rename one of them in role '" + role + "'")) continue;
            ctx.sources.put(SourceMap.storage(role, name), s.where());
            storage.add(new LocalStorage(name, size.getAsInt(), clean));
        }
    }

    private RoleConfiguration readRoleConfiguration(XmlElement role) {
        String name = ctx.required(role.attribute("name"), role.where(), "<Role> attribute 'name'", "Add name=\"MyRole\" matching the definition.");
        if (name == null) return null;
        int instances = 0;
        String image = "";
        boolean sawInstances = false;
        Map<String, String> values = new LinkedHashMap<>();
        String userData = "";
        List<DriveBinding> drives = new ArrayList<>();
        for (XmlElement child : role.children()) {
            switch (child.name()) {
                case "UserData" -> userData = child.text().strip();
                case "Drives" -> readDrives(name, child, drives);
                case "Instances" -> {
                    sawInstances = true;
                    String count = child.attribute("count");
                    if (count == null) ctx.error(child.where(), "<Instances> of role '" + name + "' has no count. Add count=\"2\"");
                    OptionalInt parsed = ctx.integer(count, child.where(), "instance count of role '" + name + "'", "count=\"2\"");
                    // only a count that was read is checked further; a missing or garbled one is already reported
                    if (parsed.isPresent()) ctx.sources.put(SourceMap.instances(name), child.where());
                    instances = parsed.orElse(0);
                }
                case "OsImage" -> {
                    ctx.sources.put(SourceMap.image(name), child.where());
                    image = orDefault(child.attribute("href"), "").trim();
                }
                case "ConfigurationSettings" -> {
                    for (XmlElement s : child.children()) {
                        if (!s.name().equals("Setting")) {
                            ignored(s, "<ConfigurationSettings>");
                            continue;
                        }
                        String sn = ctx.required(s.attribute("name"), s.where(), "<Setting> attribute 'name'", "Add name=\"MySetting\".");
                        if (sn == null) continue;
                        String value = s.attribute("value");
                        if (value == null) {
                            ctx.error(s.where(), "setting '" + sn + "' of role '" + name + "' has no value attribute. Add value=\"...\" (an empty value is written value=\"\")");
                            continue;
                        }
                        if (values.containsKey(sn)) {
                            ctx.error(s.where(), "setting '" + sn + "' of role '" + name + "' is given twice (first at "
                                    + ctx.sources.locate(SourceMap.settingValue(name, sn)) + "). Remove one of them");
                            continue;
                        }
                        ctx.sources.put(SourceMap.settingValue(name, sn), s.where());
                        values.put(sn, value);
                    }
                }
                default -> ignored(child, "<Role>");
            }
        }
        if (!sawInstances) ctx.error(role.where(), "role '" + name + "' gives no instance count. Add <Instances count=\"2\"/>");
        return new RoleConfiguration(name, instances, image, values, userData, drives);
    }

    private void readDrives(String role, XmlElement list, List<DriveBinding> drives) {
        Map<String, SourceLocation> seen = new HashMap<>();
        for (XmlElement d : list.children()) {
            if (!d.name().equals("Drive")) {
                ignored(d, "<Drives>");
                continue;
            }
            String example = "<Drive name=\"data\" account=\"myaccount\" drive=\"mydrive\" mode=\"write\"/>";
            String name = ctx.required(d.attribute("name"), d.where(), "<Drive> attribute 'name'", "Add name=\"data\" (what the instance calls it): " + example);
            String account = ctx.required(d.attribute("account"), d.where(), "<Drive> attribute 'account'", "Add the storage account: " + example);
            String drive = ctx.required(d.attribute("drive"), d.where(), "<Drive> attribute 'drive'", "Add the drive's name (./vmrole drive list): " + example);
            String mode = d.attribute("mode") == null ? "write" : d.attribute("mode").trim();
            List<String> problems = DriveBinding.problems(role, name, account, drive, mode);
            problems.forEach(p -> ctx.error(d.where(), p));
            boolean ok = name != null && account != null && drive != null && problems.isEmpty();
            if (!ok || !unique(seen, name, d.where(), "drive", "Rename one of them in role '" + role + "'")) continue;
            ctx.sources.put(SourceMap.drive(role, name), d.where());
            drives.add(new DriveBinding(name, account, drive, mode));
        }
    }

    private static String orDefault(String s, String d) {
        return s == null ? d : s;
    }
}
