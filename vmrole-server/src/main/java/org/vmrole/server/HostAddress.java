package org.vmrole.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;

/** The address a host agent publishes its instances' endpoints on: the one given, or the one it reaches the controller from. */
final class HostAddress {
    private HostAddress() {}

    static InetAddress resolve(String given, URI controller) {
        InetAddress address = given == null ? towards(controller) : parse(given);
        if (address.isAnyLocalAddress()) {
            throw new IllegalArgumentException("--address " + address.getHostAddress() + " is a wildcard: the load balancer cannot dial it;"
                    + " give this machine's address on the network the controller reaches it on, e.g. --address 10.0.0.5");
        }
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException("--address " + address.getHostAddress() + " is not IPv4; give this machine's IPv4 address");
        }
        if (!address.isLoopbackAddress() && !isLocal(address)) {
            throw new IllegalArgumentException("--address " + address.getHostAddress() + " is not an address of this machine;"
                    + " give one that 'ip -4 addr' lists");
        }
        return address;
    }

    private static InetAddress parse(String given) {
        if (given.isBlank() || !given.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
            throw new IllegalArgumentException("--address '" + given + "' is not an IPv4 address such as 10.0.0.5");
        }
        try {
            return InetAddress.getByName(given);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--address '" + given + "' is not an IPv4 address such as 10.0.0.5");
        }
    }

    /** The source address the routing table picks for the controller: a connected UDP socket sends nothing. */
    private static InetAddress towards(URI controller) {
        int port = controller.getPort() > 0 ? controller.getPort() : "https".equals(controller.getScheme()) ? 443 : 80;
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(controller.getHost(), port));
            return probe.getLocalAddress();
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot find the address this machine reaches the controller " + controller + " from ("
                    + e.getMessage() + "); give --address", e);
        }
    }

    private static boolean isLocal(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
