package org.vmrole.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Separate machines for a test, emulated with network namespaces on one bridge: each machine has its own address,
 * loopback, routing and firewall. The test's own process stands for the operator's machine at {@code .254} of the
 * subnet. Everything is removed on close, by a shutdown hook if the test dies, and (for namespaces of processes that
 * no longer exist) when the next set is made. Without root or {@code ip}, creating them fails with the reason.
 */
final class EmulatedMachines implements AutoCloseable {
    private static final String PREFIX = "vmrole-test-";

    /** One machine: its network namespace and its address on the emulated network. */
    record Machine(String name, String namespace, String address, String hostLink) {
        /** A command line that runs inside this machine. */
        List<String> command(List<String> command) {
            List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            out.addAll(command);
            return out;
        }
    }

    private final long pid = ProcessHandle.current().pid();
    private final String subnet = "10.213." + (1 + pid % 250) + ".";
    private final String bridge = "vmrb" + pid;
    private final Map<String, Machine> machines = new LinkedHashMap<>();
    private final Thread hook = new Thread(this::remove, "emulated-machines-cleanup");
    private boolean closed;

    private EmulatedMachines() {}

    static EmulatedMachines create(String... names) throws IOException {
        removeLeftovers();
        EmulatedMachines m = new EmulatedMachines();
        Runtime.getRuntime().addShutdownHook(m.hook);
        try {
            ip("link", "add", m.bridge, "type", "bridge");
            ip("addr", "add", m.operatorAddress() + "/24", "dev", m.bridge);
            ip("link", "set", m.bridge, "up");
            for (String name : names) m.add(name);
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private void add(String name) throws IOException {
        int n = machines.size() + 1;
        String ns = PREFIX + pid + "-" + name;
        String link = "vmr" + pid + "h" + n;
        ip("netns", "add", ns);
        // known from here on, so that a failure below still removes what was made
        machines.put(name, new Machine(name, ns, subnet + n, link));
        ip("-n", ns, "link", "set", "lo", "up");
        ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("link", "set", link, "master", bridge, "up");
        ip("-n", ns, "addr", "add", subnet + n + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
    }

    Machine machine(String name) {
        Machine m = machines.get(name);
        if (m == null) throw new IllegalArgumentException("no emulated machine " + name + "; there are " + machines.keySet());
        return m;
    }

    /** The address of the test's own process on the emulated network. */
    String operatorAddress() {
        return subnet + "254";
    }

    /** Cuts a machine off the network, as a pulled cable does. */
    void unplug(String name) throws IOException {
        ip("link", "set", machine(name).hostLink(), "down");
    }

    /** Adds an address no other machine has a route to (a second network that only this machine is on). */
    String isolatedAddress(String name) throws IOException {
        Machine m = machine(name);
        String address = "10.214." + (1 + pid % 250) + "." + (machines.size() + 10);
        // a veth pair with both ends inside: a link that leads nowhere else (no dummy driver on every kernel)
        ip("-n", m.namespace(), "link", "add", "island", "type", "veth", "peer", "name", "island-end");
        ip("-n", m.namespace(), "addr", "add", address + "/32", "dev", "island");
        ip("-n", m.namespace(), "link", "set", "island", "up");
        ip("-n", m.namespace(), "link", "set", "island-end", "up");
        return address;
    }

    /** Kills every process running in a machine (kill -9). */
    void killAll(String name) throws IOException {
        for (String p : run(List.of("ip", "netns", "pids", machine(name).namespace())).split("\\s+")) {
            if (!p.isBlank()) ProcessHandle.of(Long.parseLong(p)).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to
        }
        remove();
    }

    private void remove() {
        for (Machine m : machines.values()) {
            try {
                killAll(m.name());
                // the kernel destroys a deleted namespace, and the veth in it, later and on its own: the next set of
                // machines in this process reuses the link's name, so the link goes now, synchronously
                deleteLink(m.hostLink());
                ip("netns", "del", m.namespace());
            } catch (IOException | RuntimeException e) {
                System.err.println("could not remove emulated machine " + m.namespace() + ": " + e.getMessage());
            }
        }
        try {
            ip("link", "del", bridge);
        } catch (IOException | RuntimeException ignored) {
            // never created, or already gone
        }
    }

    private static void deleteLink(String link) throws IOException {
        if (run(List.of("ip", "-br", "link", "show")).lines().anyMatch(l -> l.split("[\\s@]")[0].equals(link))) ip("link", "del", link);
    }

    /** Namespaces left by a test process that died before its cleanup ran (kill -9, a crashed JVM). */
    private static void removeLeftovers() throws IOException {
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            String ns = line.split(" ")[0];
            if (!ns.startsWith(PREFIX)) continue;
            String[] parts = ns.substring(PREFIX.length()).split("-", 2);
            long owner = Long.parseLong(parts[0]);
            if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) continue;
            for (String p : run(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
                if (!p.isBlank()) ProcessHandle.of(Long.parseLong(p)).ifPresent(ProcessHandle::destroyForcibly);
            }
            ip("netns", "del", ns);
            try {
                ip("link", "del", "vmrb" + owner);
            } catch (IOException alreadyGone) {
                // its bridge went with an earlier cleanup
            }
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (emulated machines need root and iproute2): " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
