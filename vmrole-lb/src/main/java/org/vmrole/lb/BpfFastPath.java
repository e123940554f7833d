package org.vmrole.lb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eBPF fast path ({@code src/main/bpf/fastpath.bpf.c}) of one balancer, on the interfaces of this machine that
 * carry forwarded traffic: established connections of its kernel-forwarded endpoints skip netfilter and the IP stack of
 * this machine (what an nftables flowtable does, on kernels without one). Compiled with clang on this machine,
 * attached with tc at each interface's ingress (clsact), its maps filled with bpftool. tc loads an object with maps of
 * its own for each filter, so every interface has its own instance, and each is kept at the same {@link FastPathPlan}.
 * The filters are named after the balancer (its nftables table), so those of a balancer that died are found and removed.
 */
final class BpfFastPath implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BpfFastPath.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LIBERAL = Path.of("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal");
    /** The name tc shows for a balancer's program: its object file's, {@code vmrole_lb_<pid>_<start>_<n>.o:[tc]}. */
    private static final Pattern FILTER = Pattern.compile("^vmrole_lb_(\\d+)_(\\d+)_\\d+\\.o:\\[tc]$");
    /** A balancer's directory for the compiled program, in the temporary directory: {@code vmrole_lb_<pid>_<start>_<n>-<random>}. */
    private static final Pattern DIRECTORY = Pattern.compile("^vmrole_lb_(\\d+)_(\\d+)_\\d+-\\d+$");
    private static final String PACKAGES = "the eBPF fast path needs clang, libbpf-dev and bpftool (apt-get install clang libbpf-dev bpftool)";

    /** One interface's instance of the program: its filter's priority and its two maps. */
    private record Attachment(String device, int pref, long addressesMap, long endpointsMap) {
    }

    private final String name;
    private final Path directory;
    private final Path object;
    private final Map<String, Attachment> attached = new LinkedHashMap<>();
    private FastPathPlan applied = FastPathPlan.EMPTY;

    private BpfFastPath(String name, Path directory, Path object) {
        this.name = name;
        this.directory = directory;
        this.object = object;
    }

    /**
     * Compiles the program for the balancer whose nftables table is {@code name}; attaches nothing yet.
     *
     * @throws IllegalStateException saying why the fast path cannot run on this machine
     */
    static BpfFastPath prepare(String name) {
        requireLiberalWindowTracking();
        Path dir;
        try {
            // named after the balancer, so the directory of one that died is found and removed as its filters are
            dir = Files.createTempDirectory(name + "-");
            try (InputStream source = BpfFastPath.class.getResourceAsStream("bpf/fastpath.bpf.c")) {
                if (source == null) {
                    throw new IllegalStateException("the fast path's source is not on the class path (org/vmrole/lb/bpf/fastpath.bpf.c)");
                }
                Files.copy(source, dir.resolve("fastpath.bpf.c"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BpfFastPath f = new BpfFastPath(name, dir, dir.resolve(name + ".o"));
        try {
            Command.run(List.of("clang", "-O2", "-g", "-target", "bpf", "-I" + multiarchIncludes(), "-c",
                    dir.resolve("fastpath.bpf.c").toString(), "-o", f.object.toString()), "", 120, PACKAGES);
            Command.run(List.of("bpftool", "version"), "", 10, PACKAGES);
        } catch (IllegalStateException e) {
            f.deleteDirectory();
            throw e;
        }
        return f;
    }

    /**
     * Connection tracking never sees the packets the fast path forwards, so its TCP window tracking falls behind; strict,
     * it then marks the connection's FIN or RST (or any packet the fast path leaves to the stack) INVALID, which NAT
     * does not translate: the connection hangs and its entry never closes. Liberal tracking (what the kernel's
     * flowtable sets on the connections it offloads) accepts them. The balancer does not change machine settings itself.
     */
    private static void requireLiberalWindowTracking() {
        String value;
        try {
            value = Files.readString(LIBERAL).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + LIBERAL + " (" + e.getMessage() + "): no connection tracking here");
        }
        if (!value.equals("1")) {
            throw new IllegalStateException("the eBPF fast path needs net.netfilter.nf_conntrack_tcp_be_liberal=1 on this machine "
                    + "(connection tracking does not see the packets it forwards, and strict TCP window tracking then drops a "
                    + "connection's FIN as out of window)");
        }
    }

    /** Where Debian keeps {@code asm/types.h}, which linux/bpf.h includes. */
    private static String multiarchIncludes() {
        String arch = System.getProperty("os.arch");
        return "/usr/include/" + (arch.equals("amd64") ? "x86_64" : arch) + "-linux-gnu";
    }

    /** The interfaces a forwarded connection arrives on: up, an Ethernet header (the program reads one), an IPv4 address. */
    static Set<String> forwardingInterfaces() {
        Set<String> out = new TreeSet<>();
        try {
            for (NetworkInterface i : NetworkInterface.networkInterfaces().toList()) {
                if (carriesForwardedTraffic(i.isUp(), i.isLoopback() || i.isVirtual(), i.getHardwareAddress(),
                        i.inetAddresses().anyMatch(a -> a instanceof Inet4Address))) {
                    out.add(i.getName());
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this machine's interfaces: " + e.getMessage(), e);
        }
        return out;
    }

    static boolean carriesForwardedTraffic(boolean up, boolean loopbackOrAlias, byte[] hardwareAddress, boolean ipv4) {
        return up && !loopbackOrAlias && hardwareAddress != null && hardwareAddress.length == 6 && ipv4;
    }

    /** The interfaces the program is on now. */
    synchronized Set<String> interfaces() {
        return Set.copyOf(attached.keySet());
    }

    /** Attaches to exactly these interfaces: new ones get the plan in force, others are left. */
    synchronized void attachTo(Set<String> devices) {
        for (String gone : List.copyOf(attached.keySet())) {
            if (!devices.contains(gone)) {
                detach(attached.remove(gone));
            }
        }
        for (String device : devices) {
            if (!attached.containsKey(device)) {
                Attachment a = attach(device);
                attached.put(device, a);
                fill(a, FastPathPlan.EMPTY, applied);
                log.info("eBPF fast path of {} attached to {}", name, device);
            }
        }
    }

    /** Brings every instance's maps from the plan in force to {@code plan}. */
    synchronized void apply(FastPathPlan plan) {
        if (plan.equals(applied)) {
            return;
        }
        for (Attachment a : attached.values()) {
            fill(a, applied, plan);
        }
        applied = plan;
    }

    private Attachment attach(String device) {
        // replace: the same clsact qdisc if there is one (another balancer's, another tool's), whose filters stay
        tc("qdisc", "replace", "dev", device, "clsact");
        tc("filter", "add", "dev", device, "ingress", "bpf", "direct-action", "obj", object.toString(), "sec", "tc");
        String filterName = object.getFileName() + ":[tc]";
        JsonNode ours = null;
        for (JsonNode f : json(tc("-j", "filter", "show", "dev", device, "ingress"))) {
            if (filterName.equals(f.path("options").path("bpf_name").asText())) {
                ours = f;
            }
        }
        if (ours == null) {
            throw new IllegalStateException("tc added no filter " + filterName + " on " + device);
        }
        int pref = ours.path("pref").asInt();
        Map<String, Long> maps = new LinkedHashMap<>();
        for (JsonNode id : json(bpftool("-j", "prog", "show", "id", ours.path("options").path("prog").path("id").asText())).path("map_ids")) {
            maps.put(json(bpftool("-j", "map", "show", "id", id.asText())).path("name").asText(), id.asLong());
        }
        if (!maps.containsKey("addresses") || !maps.containsKey("endpoints")) {
            tc("filter", "del", "dev", device, "ingress", "pref", String.valueOf(pref));
            throw new IllegalStateException("the fast path program on " + device + " has no addresses/endpoints maps: " + maps.keySet());
        }
        return new Attachment(device, pref, maps.get("addresses"), maps.get("endpoints"));
    }

    private static void fill(Attachment a, FastPathPlan from, FastPathPlan to) {
        // additions first: an endpoint is on the fast path only once both its keys are in
        for (String key : to.addressKeys()) {
            if (!from.addressKeys().contains(key)) mapUpdate(a.addressesMap(), key);
        }
        for (String key : to.endpointKeys()) {
            if (!from.endpointKeys().contains(key)) mapUpdate(a.endpointsMap(), key);
        }
        for (String key : from.endpointKeys()) {
            if (!to.endpointKeys().contains(key)) mapDelete(a.endpointsMap(), key);
        }
        for (String key : from.addressKeys()) {
            if (!to.addressKeys().contains(key)) mapDelete(a.addressesMap(), key);
        }
    }

    private static void mapUpdate(long map, String key) {
        List<String> cmd = new ArrayList<>(List.of("bpftool", "map", "update", "id", String.valueOf(map), "key"));
        cmd.addAll(List.of(key.split(" ")));
        cmd.addAll(List.of("value", "1"));
        Command.run(cmd, "", 10, PACKAGES);
    }

    private static void mapDelete(long map, String key) {
        List<String> cmd = new ArrayList<>(List.of("bpftool", "map", "delete", "id", String.valueOf(map), "key"));
        cmd.addAll(List.of(key.split(" ")));
        Command.run(cmd, "", 10, PACKAGES);
    }

    private void detach(Attachment a) {
        try {
            tc("filter", "del", "dev", a.device(), "ingress", "pref", String.valueOf(a.pref()));
        } catch (IllegalStateException e) {
            // the interface went away, and its filters with it
            log.debug("eBPF fast path of {} not detached from {}: {}", name, a.device(), e.getMessage());
        }
    }

    /** Detaches from every interface; the kernel frees the programs and their maps with their last filter. */
    @Override
    public synchronized void close() {
        attached.values().forEach(this::detach);
        attached.clear();
        deleteDirectory();
    }

    private void deleteDirectory() {
        deleteTree(directory);
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.debug("could not delete {}: {}", directory, e.getMessage());
        }
    }


    /**
     * Removes the fast path filters of balancers that are gone ({@code alive} tells by pid and start time, as for their
     * nftables tables) from every interface; returns how many. Best effort: 0 where tc cannot run.
     */
    static int removeLeftovers(BiPredicate<Long, Long> alive) {
        removeDirectoriesOfDeadBalancers(alive);
        int removed = 0;
        try {
            for (JsonNode link : json(Command.run(List.of("ip", "-j", "link", "show"), "", 10, "needs iproute2"))) {
                String device = link.path("ifname").asText();
                JsonNode filters;
                try {
                    filters = json(tc("-j", "filter", "show", "dev", device, "ingress"));
                } catch (IllegalStateException noClsact) {
                    continue;
                }
                for (JsonNode f : filters) {
                    Matcher m = FILTER.matcher(f.path("options").path("bpf_name").asText());
                    if (m.matches() && !alive.test(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))) {
                        try {
                            tc("filter", "del", "dev", device, "ingress", "pref", f.path("pref").asText());
                            removed++;
                            log.info("removed the eBPF fast path of balancer process {}, which is gone, from {}", m.group(1), device);
                        } catch (IllegalStateException e) {
                            log.warn("could not remove a gone balancer's eBPF fast path from {}: {}", device, e.getMessage());
                        }
                    }
                }
            }
        } catch (IllegalStateException e) {
            log.debug("no eBPF fast path leftovers looked for: {}", e.getMessage());
        }
        return removed;
    }

    private static void removeDirectoriesOfDeadBalancers(BiPredicate<Long, Long> alive) {
        try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            for (Path d : dirs.toList()) {
                Matcher m = DIRECTORY.matcher(d.getFileName().toString());
                if (m.matches() && !alive.test(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))) {
                    deleteTree(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("no fast path directories of gone balancers looked for: {}", e.getMessage());
        }
    }

    private static String tc(String... args) {
        List<String> cmd = new ArrayList<>(List.of("tc"));
        cmd.addAll(List.of(args));
        return Command.run(cmd, "", 30, "the eBPF fast path needs tc (apt-get install iproute2)");
    }

    private static String bpftool(String... args) {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        return Command.run(cmd, "", 10, PACKAGES);
    }

    private static JsonNode json(String text) {
        try {
            // tc prints nothing at all for an interface without a clsact qdisc
            return text.isBlank() ? JSON.createArrayNode() : JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable JSON from tc or bpftool: " + text.strip(), e);
        }
    }
}
