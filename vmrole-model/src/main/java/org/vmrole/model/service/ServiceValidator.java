package org.vmrole.model.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a read service against the platform's rules and collects every problem (never stops at the first).
 * Pure: the image lookup is the only outside knowledge, and it is passed in.
 */
public final class ServiceValidator {
    private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9.-]{0,62}");
    /** With fewer, the availability guarantee cannot hold: it needs two instances in different fault and update domains. */
    private static final int SLA_INSTANCES = 2;

    private final ValidationRules rules;

    public ServiceValidator(ValidationRules rules) {
        this.rules = rules;
    }

    /** Reading problems plus rule problems; the report carries the model only when nothing is an error. */
    public ValidationReport validate(ServiceReading reading) {
        List<Problem> problems = new ArrayList<>(reading.problems());
        reading.model().ifPresent(m -> check(m, reading.sources(), problems));
        return new ValidationReport(reading.model(), problems);
    }

    private void check(ServiceModel m, SourceMap src, List<Problem> out) {
        int ud = m.upgradeDomainCount();
        if (ud < ValidationRules.MIN_UPGRADE_DOMAINS || ud > ValidationRules.MAX_UPGRADE_DOMAINS) {
            out.add(Problem.error(src.locate(SourceMap.upgradeDomainCount()), "upgradeDomainCount is " + ud + "; it must be between "
                    + ValidationRules.MIN_UPGRADE_DOMAINS + " and " + ValidationRules.MAX_UPGRADE_DOMAINS + " (Azure's default is 5)"));
        }
        checkProbes(m, src, out);
        Map<Integer, String> publicPorts = new HashMap<>();
        Set<String> usedProbes = new HashSet<>();
        for (RoleModel r : m.roles()) {
            checkRole(m, r, src, out, publicPorts, usedProbes);
        }
        checkDrives(m, src, out);
        for (Probe p : m.probes()) {
            if (!usedProbes.contains(p.name())) {
                out.add(Problem.warning(src.locate(SourceMap.probe(p.name())), "probe '" + p.name()
                        + "' is not used by any input endpoint. Reference it with loadBalancerProbe=\"" + p.name() + "\" or remove it"));
            }
        }
    }

    /** A drive has one writer: a role that writes it runs one instance, and no two bindings write the same drive. */
    private void checkDrives(ServiceModel m, SourceMap src, List<Problem> out) {
        Map<String, String> writers = new HashMap<>();
        for (RoleModel r : m.roles()) {
            for (DriveBinding d : r.drives()) {
                if (!d.writes()) continue;
                SourceLocation at = src.locate(SourceMap.drive(r.name(), d.name()));
                if (r.instanceCount() > 1) {
                    out.add(Problem.error(at, "role '" + r.name() + "' has " + r.instanceCount() + " instances but mounts drive '" + d.drive()
                            + "' for writing, which only one instance can do. Use mode=\"snapshot\" (each instance reads a snapshot) or <Instances count=\"1\"/>"));
                }
                String key = d.account() + "/" + d.drive();
                String first = writers.putIfAbsent(key, r.name() + "'s drive '" + d.name() + "' (" + at + ")");
                if (first != null) {
                    out.add(Problem.error(at, "drive '" + d.drive() + "' of account '" + d.account() + "' is already mounted for writing by role " + first
                            + "; a drive has one writer. Use mode=\"snapshot\" here"));
                }
            }
        }
    }

    private void checkProbes(ServiceModel m, SourceMap src, List<Problem> out) {
        for (Probe p : m.probes()) {
            SourceLocation at = src.locate(SourceMap.probe(p.name()));
            String who = "probe '" + p.name() + "'";
            if (p.port() != 0 && !validPort(p.port())) out.add(Problem.error(at, who + " has port " + p.port() + ", outside 1-65535. Fix port=\"...\""));
            if (p.protocol() == Protocol.HTTP && !p.path().startsWith("/")) {
                out.add(Problem.error(at, who + " is an http probe without a path starting with '/'. Add path=\"/health\" (any page that answers 200 when healthy)"));
            }
            if (p.protocol() == Protocol.TCP && !p.path().isEmpty()) {
                out.add(Problem.warning(at, who + " is a tcp probe; its path '" + p.path() + "' is ignored. Remove path, or use protocol=\"http\""));
            }
            if (p.intervalSeconds() < 1) out.add(Problem.error(at, who + " has intervalInSeconds " + p.intervalSeconds() + "; it must be at least 1 (Azure's default is 15)"));
            if (p.timeoutSeconds() < 1) out.add(Problem.error(at, who + " has timeoutInSeconds " + p.timeoutSeconds() + "; it must be at least 1 (Azure's default is 31)"));
            else if (p.intervalSeconds() >= 1 && p.timeoutSeconds() < p.intervalSeconds()) {
                out.add(Problem.warning(at, who + " times out (" + p.timeoutSeconds() + " s) before its next probe (" + p.intervalSeconds()
                        + " s), so one missed probe takes an instance out. Use timeoutInSeconds of about twice the interval plus one"));
            }
        }
    }

    private void checkRole(ServiceModel m, RoleModel r, SourceMap src, List<Problem> out, Map<Integer, String> publicPorts, Set<String> usedProbes) {
        String role = r.name();
        SourceLocation roleAt = src.locate(SourceMap.role(role));
        if (!ROLE_NAME.matcher(role).matches()) {
            out.add(Problem.error(roleAt, "role name '" + role + "' is not allowed; use 1-63 letters, digits, '.' or '-', starting with a letter (instances are named " + role + "_IN_0, ...)"));
        }
        checkEndpoints(m, r, src, out, publicPorts, usedProbes);
        checkLocalStorage(r, src, out);
        for (String s : r.settingNames()) {
            if (!r.settingValues().containsKey(s) && src.has(SourceMap.roleConfig(role))) {
                SourceLocation cfgAt = src.locate(SourceMap.roleConfig(role));
                out.add(Problem.error(cfgAt, "role '" + role + "' gives no value for setting '" + s + "' (declared at "
                        + src.locate(SourceMap.settingDeclared(role, s)) + "). " + addSettingFix(src, s)));
            }
        }
        for (String s : r.settingValues().keySet()) {
            if (!r.settingNames().contains(s)) {
                out.add(Problem.error(src.locate(SourceMap.settingValue(role, s)), "role '" + role + "' gives a value for setting '" + s
                        + "', which its definition does not declare. Remove it, or declare <Setting name=\"" + s + "\"/> in role '" + role + "' at " + roleAt));
            }
        }
        if (!src.has(SourceMap.roleConfig(role))) return; // the reader already said the role has no configuration
        SourceLocation countAt = src.locate(SourceMap.instances(role));
        int n = r.instanceCount();
        if (src.has(SourceMap.instances(role)) || n != 0) {
            if (n < 1) {
                out.add(Problem.error(countAt, "role '" + role + "' has " + n + " instances; it needs at least 1 (2 for the availability guarantee). Set the count to 2"));
            } else if (n > rules.maxInstancesPerRole()) {
                out.add(Problem.error(countAt, "role '" + role + "' asks for " + n + " instances; the limit is " + rules.maxInstancesPerRole()
                        + " per role. Lower the count or split the role"));
            } else if (n < SLA_INSTANCES) {
                out.add(Problem.warning(countAt, "role '" + role + "' has " + n + " instance; the availability guarantee needs at least "
                        + SLA_INSTANCES + " in different fault and update domains. Set the count to 2 for production"));
            }
        }
        checkImage(r, src, out);
    }

    private static String addSettingFix(SourceMap src, String setting) {
        boolean yaml = src.definitionFile().equals(src.configurationFile());
        return yaml ? "Give it a value: " + setting + ": \"...\"" : "Add <Setting name=\"" + setting + "\" value=\"...\"/>.";
    }

    private void checkImage(RoleModel r, SourceMap src, List<Problem> out) {
        String role = r.name();
        SourceLocation at = src.locate(SourceMap.image(role));
        if (!src.has(SourceMap.image(role)) && r.image().isEmpty()) {
            boolean yaml = src.definitionFile().equals(src.configurationFile());
            out.add(Problem.error(src.locate(SourceMap.roleConfig(role)), "role '" + role + "' names no image to run. "
                    + (yaml ? "Add image: my-image" : "Add <OsImage href=\"my-image\"/>")));
        } else if (!ImageCatalog.wellFormed(r.image())) {
            out.add(Problem.error(at, "role '" + role + "' names image '" + r.image() + "', which is neither an image name (letters, digits, '.', '_', '-'; up to 128) "
                    + "nor a digest (sha256: and 64 lower-case hex digits). Fix the href"));
        } else if (!rules.images().exists(r.image())) {
            out.add(Problem.error(at, "role '" + role + "' names image '" + r.image() + "', which is not in the image repository. Upload it first, or fix the href"));
        }
    }

    private void checkEndpoints(ServiceModel m, RoleModel r, SourceMap src, List<Problem> out, Map<Integer, String> publicPorts, Set<String> usedProbes) {
        String role = r.name();
        Map<Integer, String> localPorts = new HashMap<>();
        for (InputEndpoint e : r.inputEndpoints()) {
            SourceLocation at = src.locate(SourceMap.input(role, e.name()));
            String who = "endpoint '" + e.name() + "' of role '" + role + "'";
            boolean portsOk = true;
            if (!validPort(e.port())) {
                out.add(Problem.error(at, who + " has port " + e.port() + ", outside 1-65535. Fix port=\"...\""));
                portsOk = false;
            }
            if (!validPort(e.localPort())) {
                out.add(Problem.error(at, who + " has localPort " + e.localPort() + ", outside 1-65535. Fix localPort=\"...\""));
                portsOk = false;
            }
            if (portsOk) {
                String firstPublic = publicPorts.putIfAbsent(e.port(), who + " (" + at + ")");
                if (firstPublic != null) {
                    out.add(Problem.error(at, who + " uses public port " + e.port() + ", already taken by " + firstPublic
                            + ". Each input endpoint of a service needs its own port"));
                }
                clashLocal(localPorts, e.localPort(), who, at, out);
            }
            if (e.probe().isPresent()) {
                String probe = e.probe().get();
                usedProbes.add(probe);
                if (m.probe(probe).isEmpty()) {
                    out.add(Problem.error(at, who + " uses probe '" + probe + "', which is not defined. Add <LoadBalancerProbe name=\"" + probe
                            + "\" protocol=\"http\" path=\"/health\"/> under <LoadBalancerProbes>, or fix loadBalancerProbe"));
                }
            }
        }
        for (InternalEndpoint e : r.internalEndpoints()) {
            SourceLocation at = src.locate(SourceMap.internal(role, e.name()));
            String who = "endpoint '" + e.name() + "' of role '" + role + "'";
            if (!validPort(e.port())) {
                out.add(Problem.error(at, who + " has port " + e.port() + ", outside 1-65535. Fix port=\"...\""));
            } else {
                clashLocal(localPorts, e.port(), who, at, out);
            }
        }
    }

    private static void clashLocal(Map<Integer, String> localPorts, int port, String who, SourceLocation at, List<Problem> out) {
        String first = localPorts.putIfAbsent(port, who + " (" + at + ")");
        if (first != null) {
            out.add(Problem.error(at, who + " listens on port " + port + " inside the instance, as does " + first
                    + ". Give one of them another local port"));
        }
    }

    private static void checkLocalStorage(RoleModel r, SourceMap src, List<Problem> out) {
        long total = 0;
        for (LocalStorage s : r.localStorage()) {
            SourceLocation at = src.locate(SourceMap.storage(r.name(), s.name()));
            if (s.sizeMiB() < 1) {
                out.add(Problem.error(at, "local storage '" + s.name() + "' of role '" + r.name() + "' has size " + s.sizeMiB() + " MB; it must be at least 1. Fix sizeInMB"));
            } else {
                total += s.sizeMiB();
            }
        }
        long limitMiB = (long) r.size().localDiskGiB() * 1024;
        if (total > limitMiB) {
            out.add(Problem.error(src.locate(SourceMap.roleSize(r.name())), "role '" + r.name() + "' asks for " + total + " MB of local storage; the "
                    + r.size() + " size has " + limitMiB + " MB of local disk. Shrink sizeInMB or choose a larger vmsize"));
        }
    }

    private static boolean validPort(int port) {
        return port >= 1 && port <= 65535;
    }
}
