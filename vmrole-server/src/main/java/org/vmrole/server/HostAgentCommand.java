package org.vmrole.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.server.cli.HostAdminCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmrole host}: runs this machine as a host of a fabric controller (or, with a subcommand, administers hosts). */
@Command(name = "host", description = "Run a host agent that joins a controller; or list/token/drain/undrain/revoke hosts.",
        subcommands = {HostAdminCommands.ListHosts.class, HostAdminCommands.Token.class, HostAdminCommands.Drain.class,
                HostAdminCommands.Undrain.class, HostAdminCommands.Revoke.class})
public final class HostAgentCommand implements Callable<Integer> {
    @Option(names = "--controller", split = ",", description = {"controller URL, e.g. http://127.0.0.1:8080; for replicas on etcd every",
            "replica's, comma-separated (the host beats to the leader and follows it when another is elected)"})
    java.util.List<URI> controllers;

    @Option(names = "--name", description = "this host's name")
    String name;

    @Option(names = "--fault-domain", description = "fault domain number (hosts sharing power or a switch share one)", defaultValue = "0")
    int faultDomain;

    @Option(names = "--data", description = "where VMs, overlays and the image cache live")
    Path data;

    @Option(names = "--join-token", description = "token from 'vmrole host token NAME' (or VMROLE_JOIN_TOKEN)", defaultValue = "${env:VMROLE_JOIN_TOKEN}")
    String joinToken;

    @Option(names = "--network-listen", description = "host:port where other hosts' private-network tunnels connect (port 0: any free one); "
            + "default: the --address, any free port")
    String networkListen;

    @Option(names = "--address", description = "IPv4 address of this machine on which its instances' endpoints are published for the "
            + "load balancer (default: the address this machine uses to reach the controller)")
    String address;

    @Option(names = "--cores", description = "cores offered to instances (default: this machine's)")
    Integer cores;

    @Option(names = "--memory-mib", description = "memory offered to instances (default: this machine's)")
    Integer memoryMiB;

    @Override
    public Integer call() throws Exception {
        if (controllers == null || controllers.isEmpty() || name == null || data == null) {
            throw new IllegalArgumentException("a host needs --controller URL, --name NAME and --data DIR (and --join-token or VMROLE_JOIN_TOKEN)");
        }
        URI controller = controllers.getFirst();
        if (faultDomain < 0) throw new IllegalArgumentException("--fault-domain must be 0 or more, got " + faultDomain);
        HostCapacity capacity = new HostCapacity(cores != null ? cores : Math.max(2, Runtime.getRuntime().availableProcessors()),
                memoryMiB != null ? memoryMiB : (int) (((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 20), 512);
        InetAddress endpoints = LocalAddress.orTowards("--address", address, controller);
        InetSocketAddress tunnels = networkListen == null ? new InetSocketAddress(endpoints, 0) : listenAddress(networkListen);
        HostRuntime host = HostRuntime.start(new HostRuntime.Spec(name, faultDomain, data, controller, joinToken, capacity,
                EmbeddedPlatform.HEARTBEAT, EmbeddedPlatform.HOST_TIMEOUT.minus(EmbeddedPlatform.HEARTBEAT), tunnels, endpoints)
                .withOtherControllers(controllers.subList(1, controllers.size())));
        // a stopped host agent leaves its VMs running: the next one re-adopts them, or the controller moves them
        StopSignal stop = StopSignal.onStop("vmrole-host-shutdown", () -> host.close(false));
        System.out.println("host " + name + " (fault domain " + faultDomain + ") linked to " + controllers + "; endpoints on "
                + endpoints.getHostAddress() + "; data in " + data);
        System.out.flush();
        stop.await();
        return 0;
    }

    static java.net.InetSocketAddress listenAddress(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--network-listen '" + text + "' is not host:port; e.g. 10.0.0.5:7400, or 127.0.0.1:0 for a free loopback port");
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return new java.net.InetSocketAddress(text.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--network-listen '" + text + "': the port must be a number in 0-65535");
        }
    }

}
